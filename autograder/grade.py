"""Grade a directory of submissions: find → (load → run → check → result) → write.

The main process finds the submissions, keeps the results that are still up
to date, and hands the rest, in small batches, to worker processes. Each
worker has its own :class:`~autograder.pipeline.Worker` (a sandbox: a fork
server with torch imported once) and grades a batch with the pipeline's steps
in one pytest session (:func:`grade_batch`); it writes each student's files as
soon as that student is graded and sends back their :class:`GradeRow`, from
which the main process writes ``grades.csv``.
"""

from __future__ import annotations

import dataclasses
import math
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from autograder import assignments, report
from autograder.fingerprint import grader_fingerprint, result_key, stored_result
from autograder.notebook import read_source
from autograder.pipeline import Submission, Worker, cells_of, grade_submissions, internal_failure, plan, report_failure
from autograder.results import GradeRow
from autograder.sandbox.limits import Limits

#: Most submissions a worker grades in one pytest session.
BATCH_SIZE = 25
#: Fewest submissions worth a worker of their own: starting one (torch, the
#: sandbox) costs as much CPU as grading about this many.
MIN_PER_WORKER = 8

__all__ = ["GraderError", "RunSummary", "Submission", "discover", "find_notebook", "grade", "grade_batch",
           "pick_notebook"]


class GraderError(RuntimeError):
    """The grader cannot run at all (bad arguments, unreadable directory)."""


@dataclass
class RunSummary:
    """What a run of :func:`grade` did."""

    rows: list[GradeRow] = field(default_factory=list)
    """One row per submission, graded now or kept."""
    seconds: float = 0.0
    """Wall-clock time of the run."""
    reused: int = 0
    """Submissions whose earlier result was still valid (not graded again)."""

    @property
    def graded(self) -> int:
        return sum(1 for r in self.rows if not r.load_error)


# ------------------------------------------------------------------ discovery


def _notebooks_in(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.ipynb") if p.is_file() and not p.name.startswith("."))


def find_notebook(student_dir: Path, assignment: str) -> Submission:
    """The student's notebook: nbgrader's ``<student>/<a>/<a>.ipynb``, else the
    one notebook that is clearly it (renamed by a download or an LMS)."""
    return pick_notebook(student_dir.name, [_notebooks_in(student_dir / assignment), _notebooks_in(student_dir)],
                         assignment)


def pick_notebook(student: str, folders: list[list[Path]], assignment: str) -> Submission:
    """:func:`find_notebook`'s choice among the notebooks of ``folders`` (the
    assignment's folder, then the student's; each sorted by name)."""
    exact = [p for p in folders[0] if p.name == f"{assignment}.ipynb"] if folders else []
    if exact:
        return Submission(student, exact[0])
    for found in folders:
        named = [p for p in found if assignment in p.stem.lower().replace(" ", "_").replace("-", "_")]
        if len(named) == 1:
            return Submission(student, named[0])
        if len(found) == 1:
            return Submission(student, found[0])
        if len(found) > 1:
            names = ", ".join(p.name for p in found[:5])
            return Submission(student, None, f"Found several notebooks ({names}) and none is clearly "
                                             f"{assignment}.ipynb: submit only {assignment}.ipynb.")
    return Submission(student, None, f"No notebook was found: expected {assignment}/{assignment}.ipynb.")


def discover(submitted_dir: Path, assignment: str) -> list[Submission]:
    if not submitted_dir.is_dir():
        raise GraderError(f"{submitted_dir} is not a directory: expected nbgrader's submitted/ layout, "
                          f"<student_id>/{assignment}/{assignment}.ipynb")
    try:
        students = sorted(p for p in submitted_dir.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError as exc:
        raise GraderError(f"cannot read {submitted_dir}: {exc}") from exc
    return [find_notebook(s, assignment) for s in students]


def _with_key(sub: Submission, grader: str) -> Submission:
    return dataclasses.replace(sub, key=result_key(grader, sub.path))


def _already_graded(out_dir: Path, sub: Submission, name: str) -> GradeRow | None:
    """The ``grades.csv`` row of a complete earlier result for exactly this
    notebook and grader, if there is one."""
    result = stored_result(out_dir, sub.student_id, sub.key)
    if result is None or result.assignment != name:
        return None
    return GradeRow.of(result)


def _remove_stale_temporaries(out_dir: Path) -> None:
    """Half-written files of a grader killed mid-write (never renamed into place)."""
    for stale in out_dir.glob("*/.*.tmp"):
        stale.unlink(missing_ok=True)
    for stale in out_dir.glob(".*.tmp"):
        stale.unlink(missing_ok=True)


# -------------------------------------------------------------------- batches


def _write(out_dir: Path, rows: list[GradeRow], result) -> None:
    rows.append(report.write_student_files(out_dir, result))


def grade_batch(worker: Worker, assignment: assignments.Assignment | str, batch: list[Submission],
                out_dir: Path) -> list[GradeRow]:
    """Grade ``batch`` with ``worker``; write each student's files; return
    the rows for ``grades.csv``. Whatever goes wrong with one submission is
    that submission's result: the others are graded as if it were not there."""
    rows: list[GradeRow] = []
    grade_submissions(worker, plan(assignment), batch, partial(_write, out_dir, rows))
    return rows


def _failed_batch(name: str, cells: dict, batch: list[Submission], out_dir: Path,
                  error: BaseException) -> list[GradeRow]:
    """Rows (and files) for a batch whose worker failed: each student gets an internal error."""
    report_failure(error, len(batch))
    return [report.write_student_files(out_dir, internal_failure(name, cells, s.student_id, error)) for s in batch]


def _in_this_process(assignment, cells, batches, out_dir, limits, hide, collect) -> None:
    """One worker: grade in this process (saves starting a second interpreter)."""
    worker = Worker(limits, hide)
    worker.ensure_sandbox()  # starts importing torch in the background right away
    try:
        for batch in batches:
            try:
                collect(grade_batch(worker, assignment, batch, out_dir))
            except Exception as exc:  # noqa: BLE001 - its students still get a result
                collect(_failed_batch(assignment.name, cells, batch, out_dir, exc))
                worker.reset_sandbox()
    finally:
        worker.reset_sandbox()


#: A pool process's own :class:`Worker`, made by :func:`_start_pool_worker` when the
#: process starts (a pool cannot hand its tasks an object of their process's own).
_POOL_WORKER: Worker | None = None


def _start_pool_worker(limits: Limits, hide: tuple[str, ...]) -> None:
    global _POOL_WORKER
    _POOL_WORKER = Worker(limits, hide)
    _POOL_WORKER.ensure_sandbox()  # starts importing torch in the background right away


def _pool_batch(assignment: assignments.Assignment, batch: list[Submission], out_dir: Path) -> list[GradeRow]:
    return grade_batch(_POOL_WORKER, assignment, batch, out_dir)


def _in_pool(assignment, cells, batches, out_dir, limits, hide, collect, jobs: int) -> None:
    """Several workers, one process each; a worker that dies costs its batch an internal error."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(jobs, len(batches) or 1), mp_context=context,
                             initializer=_start_pool_worker, initargs=(limits, hide)) as pool:
        futures = {pool.submit(_pool_batch, assignment, batch, out_dir): batch for batch in batches}
        for future in as_completed(futures):
            try:
                collect(future.result())
            except Exception as exc:  # noqa: BLE001 - a worker died; its students still get a result
                collect(_failed_batch(assignment.name, cells, futures[future], out_dir, exc))


# ------------------------------------------------------------------------ run


def _keep_up_to_date(out_dir: Path, submissions: list[Submission], name: str,
                     summary: RunSummary) -> list[Submission]:
    """The submissions to grade: those without a complete result for the same
    notebook and grader (whose rows go straight into ``summary``)."""
    todo = []
    for sub in submissions:
        row = _already_graded(out_dir, sub, name)
        if row is None:
            todo.append(sub)
        else:
            summary.rows.append(row)
            summary.reused += 1
    return todo


def _batches(submissions: list[Submission], jobs: int) -> tuple[int, list[list[Submission]]]:
    """How many workers to start, and the batches they grade."""
    jobs = max(1, min(jobs, math.ceil(len(submissions) / MIN_PER_WORKER)))
    size = max(1, min(BATCH_SIZE, math.ceil(len(submissions) / jobs)))
    return jobs, [submissions[i:i + size] for i in range(0, len(submissions), size)]


def _collect(summary: RunSummary, progress, rows: list[GradeRow]) -> None:
    summary.rows.extend(rows)
    if progress:
        for row in rows:
            progress(row)


def grade(name: str, submitted_dir: Path, out_dir: Path, *, jobs: int = 1, limits: Limits = Limits(),
          progress=None, force: bool = False, course: Path | None = None, client=None) -> RunSummary:
    """Grade every submission of ``name`` under ``submitted_dir`` into ``out_dir``.

    The assignment is the one of the course in ``course`` (default: the course
    the command runs in). With ``client`` (a ``distributed.Client``) it is
    graded on that Dask cluster (:mod:`autograder.cluster`), else on ``jobs``
    local workers; the results are the same.

    A submission whose ``results.json`` already holds a complete result for the
    same notebook and the same grader is not graded again (unless ``force``),
    so a run that was killed can simply be started again."""
    assignment = assignments.get(name, course)
    grader = grader_fingerprint(assignment)
    if client is not None:
        from autograder import cluster

        cluster.check_workers(client, name, assignment.source_notebook.read_bytes(), grader)
    submissions = [_with_key(s, grader) for s in discover(submitted_dir, name)]
    out_dir.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(out_dir)
    cells = cells_of(read_source(assignment.source_notebook))
    problem = assignments.points_problem(assignment.check_points(), cells)
    if problem:
        raise GraderError(f"{name}: {problem}")
    summary = RunSummary()
    start = time.monotonic()
    if not force:
        submissions = _keep_up_to_date(out_dir, submissions, name, summary)
    jobs, batches = _batches(submissions, jobs)
    collect = partial(_collect, summary, progress)
    hide = (str(submitted_dir.resolve()), str(out_dir.resolve()))
    if not batches:
        pass  # everything was up to date: no worker, no sandbox
    elif client is not None:
        _on_cluster(client, assignment, cells, submissions, out_dir, limits, collect)
    elif jobs == 1:
        _in_this_process(assignment, cells, batches, out_dir, limits, hide, collect)
    else:
        _in_pool(assignment, cells, batches, out_dir, limits, hide, collect, jobs)
    summary.seconds = time.monotonic() - start
    report.write_atomic(out_dir / "grades.csv", report.grades_csv(summary.rows, list(cells)))
    return summary


def _on_cluster(client, assignment, cells, submissions, out_dir: Path, limits: Limits, collect) -> None:
    """The cluster grades; this process writes each result as it arrives (the only writer)."""
    from autograder import cluster

    def write(result) -> None:
        collect([report.write_student_files(out_dir, result)])

    cluster.grade_on_cluster(client, assignment.name, assignment.source_notebook.read_bytes(), cells, submissions,
                             limits, write)
