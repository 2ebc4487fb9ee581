"""Grade a directory of submissions: find → load → run → check → write.

The main process finds the submissions and hands them, in small batches, to
worker processes. Each worker owns a sandbox (a fork server with torch
imported once) and one pytest session per batch; it writes each student's
``results.json`` as soon as that student is graded and sends back a one-line
summary, from which the main process writes ``grades.csv``.
"""

from __future__ import annotations

import dataclasses
import math
import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from autograder import assignments, errors, report, taint
from autograder.fingerprint import grader_fingerprint, result_key, stored_result
from autograder.notebook import (LoadError, Program, assignment_of, build_program, grade_ids, read_source,
                                 read_submission)
from autograder.results import SubmissionResult
from autograder.sandbox.limits import Limits

#: Most submissions a worker grades in one pytest session.
BATCH_SIZE = 25
#: Fewest submissions worth a worker of their own: starting one (torch, the
#: sandbox) costs as much CPU as grading about this many.
MIN_PER_WORKER = 8


class GraderError(RuntimeError):
    """The grader cannot run at all (bad arguments, unreadable directory)."""


@dataclass(frozen=True)
class Submission:
    student_id: str
    path: Path | None
    """The notebook found for the student (``None`` if there is none)."""
    problem: str | None = None
    """Why no notebook was found, when ``path`` is ``None``."""
    key: str = ""
    """Fingerprint of (this notebook, this grader): a result with the same key need not be redone."""


@dataclass
class RunSummary:
    rows: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    reused: int = 0
    """Submissions whose earlier result was still valid (not graded again)."""

    @property
    def graded(self) -> int:
        return sum(1 for r in self.rows if not r["load_error"])


# ------------------------------------------------------------------ discovery


def _notebooks_in(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.ipynb") if p.is_file() and not p.name.startswith("."))


def find_notebook(student_dir: Path, assignment: str) -> Submission:
    """The student's notebook: nbgrader's ``<student>/<a>/<a>.ipynb``, else the
    one notebook that is clearly it (renamed by a download or an LMS)."""
    student = student_dir.name
    exact = student_dir / assignment / f"{assignment}.ipynb"
    if exact.is_file():
        return Submission(student, exact)
    for folder in (student_dir / assignment, student_dir):
        found = _notebooks_in(folder)
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


def _already_graded(out_dir: Path, sub: Submission, name: str) -> dict | None:
    """The ``grades.csv`` row of a complete earlier result for exactly this
    notebook and grader, if there is one."""
    result = stored_result(out_dir, sub.student_id, sub.key)
    if result is None or result["extra_data"].get("assignment") != name:
        return None
    return report.row_from_results(result)


def _remove_stale_temporaries(out_dir: Path) -> None:
    """Half-written files of a grader killed mid-write (never renamed into place)."""
    for stale in out_dir.glob("*/.*.tmp"):
        stale.unlink(missing_ok=True)
    for stale in out_dir.glob(".*.tmp"):
        stale.unlink(missing_ok=True)


# -------------------------------------------------------------------- workers


class _Worker:
    """A worker process's long-lived state: its sandbox, and the reference
    runs of the solution notebooks it made with it."""

    sandbox = None
    limits: Limits = Limits()
    hide: tuple[str, ...] = ()
    references: dict[str, dict] = {}

    @classmethod
    def ensure_sandbox(cls):
        from autograder.sandbox.client import Sandbox

        if cls.sandbox is None:
            cls.sandbox = Sandbox(cls.limits, cls.hide)
        return cls.sandbox

    @classmethod
    def reset_sandbox(cls):
        if cls.sandbox is not None:
            try:
                cls.sandbox.close()
            except Exception:  # noqa: BLE001 - it is being replaced anyway
                pass
        cls.sandbox = None

    @classmethod
    def reference_snapshots(cls, assignment, source, snapshots) -> dict:
        from autograder.execute import reference_run

        if assignment.name not in cls.references:
            cls.references[assignment.name] = reference_run(cls.ensure_sandbox(), source, snapshots,
                                                            cls.limits.timeout)
        return cls.references[assignment.name]


def _init_worker(limits: Limits, hide: tuple[str, ...] = ()) -> None:
    """Set up a worker process: its limits, and the folders student code must not see."""
    _Worker.limits = limits
    _Worker.hide = hide
    _Worker.ensure_sandbox()  # starts importing torch in the background right away


def _wrong_notebook(nb, name: str) -> str | None:
    """A message when ``nb`` is plainly another assignment's notebook."""
    meta = nb.get("metadata") if isinstance(nb.get("metadata"), dict) else {}
    tagged = meta.get("autograder", {}).get("assignment") if isinstance(meta.get("autograder"), dict) else None
    if isinstance(tagged, str) and tagged != name and tagged in assignments.NAMES:
        return f"This is the notebook of the `{tagged}` assignment, not `{name}`: submit {name}.ipynb."
    catalogue = {}
    for other in assignments.available():
        catalogue[other.name] = {c.grade_id for c in read_source(other.source_notebook)}
    own = catalogue.get(name, set())
    best = assignment_of(nb, catalogue)
    ids = set(grade_ids(nb)) - {None}
    if best and best != name and ids and not (ids & own):
        return f"This is the notebook of the `{best}` assignment, not `{name}`: submit {name}.ipynb."
    return None


def load(sub: Submission, name: str, source) -> Program:
    """The program to run for ``sub``, or :class:`LoadError` saying why there is none."""
    if sub.path is None:
        raise LoadError(sub.problem or "No notebook was found.")
    nb = read_submission(sub.path)
    wrong = _wrong_notebook(nb, name)
    if wrong:
        raise LoadError(wrong)
    program = build_program(nb, source)
    if len(program.missing_answers) == sum(1 for c in source if c.role == "answer"):
        raise LoadError(f"None of the answer cells of {name} were found in {sub.path.name}: "
                        f"is this the right notebook?")
    return program


def _load_any(sub: Submission, name: str, source) -> Program | str:
    """:func:`load`, with whatever goes wrong in one file that file's result:
    the program, or the message its student gets."""
    try:
        return load(sub, name, source)
    except LoadError as exc:
        return str(exc)
    except Exception as exc:  # noqa: BLE001 - a file that breaks the reader breaks nobody else's grade
        return (f"{sub.path.name if sub.path else 'The file'} could not be read as a notebook "
                f"({type(exc).__name__}): open it in Jupyter, check that it works, save it and submit it again.")


def grade_batch(name: str, batch: list[Submission], out_dir: Path) -> list[dict]:
    """Grade ``batch`` in this process; write each ``results.json``; return
    the rows for ``grades.csv``. Whatever goes wrong with one submission is
    that submission's result: the others are graded as if it were not there."""
    from autograder.execute import execute
    from autograder.harness import Job, Notebook, run_checks

    assignment = assignments.get(name)
    source = read_source(assignment.source_notebook)
    cells = {c.grade_id: c.points for c in source if c.role == "test"}
    reference = assignment.solutions()
    checks = assignment.checks()
    snapshots = getattr(checks, "SNAPSHOT_AFTER", {})
    words = taint.vocabulary(checks, reference, *assignment.probe_modules())
    rows: list[dict] = []
    programs = {}
    keys: dict[str, str] = {}
    started: dict[str, float] = {}

    def finish(result: SubmissionResult) -> None:
        report.write_feedback(out_dir, result)
        report.write_results(out_dir, result)
        rows.append(report.csv_row(result))

    jobs = []
    for sub in batch:
        t0 = time.monotonic()
        program = _load_any(sub, name, source)
        if isinstance(program, str):
            finish(SubmissionResult(sub.student_id, name, cells=dict(cells), load_error=program,
                                    seconds=time.monotonic() - t0, key=sub.key))
            continue
        programs[sub.student_id] = program
        keys[sub.student_id] = sub.key

        def start(student_id=sub.student_id, program=program):
            started[student_id] = time.monotonic()
            sandbox = _Worker.ensure_sandbox()
            try:
                references = _Worker.reference_snapshots(assignment, source, snapshots)
                execution = execute(sandbox, program, snapshots, _Worker.limits.timeout)
            except Exception:
                _Worker.reset_sandbox()
                raise
            return Notebook(student_id, execution, reference, _Worker.limits.timeout,
                            program.missing_answers, close=sandbox.cleanup, reference_snapshots=references,
                            words=words)

        jobs.append(Job(sub.student_id, start))

    def on_done(job, checks, notebook) -> None:
        try:
            finish(_result(name, job, checks, notebook, programs[job.student_id], cells,
                           keys[job.student_id], time.monotonic() - started.get(job.student_id, time.monotonic())))
        except Exception as exc:  # noqa: BLE001 - one student's broken result is not the batch's
            _report_failure(exc, [job])
            rows.append(_internal_failure(name, Submission(job.student_id, None), out_dir, cells, exc))

    done = run_checks(assignment.checks_file, jobs, on_done)
    # If pytest itself stopped part-way, every submission it did not finish is
    # graded again on its own: only one that stops pytest by itself loses its grade.
    for job in [job for job in jobs if job.student_id in done.unfinished]:
        _Worker.reset_sandbox()
        retry = run_checks(assignment.checks_file, [job], on_done)
        if retry.unfinished:
            _report_failure(RuntimeError(retry.error), [job])
            rows.append(_internal_failure(name, Submission(job.student_id, None), out_dir, cells,
                                          RuntimeError(retry.error)))
    return rows


def _result(name, job, checks, notebook, program, cells, key, seconds) -> SubmissionResult:
    notes = list(program.notes)
    notes += [f"The answer cell `{g}` is missing from your notebook." for g in program.missing_answers]
    if notebook is not None:
        for label, outcome in notebook.execution.outcomes.items():
            if outcome.status == "timeout":
                notes.append(f"The cell `{label}` did not finish within {notebook.timeout:g} s and was "
                             "stopped; the rest of the notebook was graded without it.")
            elif outcome.status == "crashed":
                notes.append(f"The cell `{label}` stopped the Python process (sys.exit, os._exit, or "
                             "running out of memory or CPU time); the rest of the notebook was graded "
                             "without it.")
            elif outcome.error is not None and (outcome.error.type_name == "MemoryError"
                                                or "can't allocate memory" in outcome.error.message):
                notes.append(f"The cell `{label}` exceeded the memory limit "
                             f"({_Worker.limits.memory_mb} MB) and was stopped there.")
        for cell in program.cells:  # the first provided cell that raised (later ones follow from it)
            outcome = notebook.execution.outcomes.get(cell.label)
            if cell.origin == "provided" and outcome is not None and outcome.status == "error":
                notes.append(_provided_cell_failed(cell.label, outcome.error))
                break
        if notebook.patched:
            names = ", ".join(sorted(notebook.patched)[:8])
            notes.append(f"Your code replaced {names}; the grader put the originals back before "
                         "checking.")
    isolation = _Worker.sandbox.isolation if _Worker.sandbox is not None else "unknown"
    return SubmissionResult(job.student_id, name, checks, dict(cells), notes=notes, seconds=seconds,
                            isolation=isolation, key=key)


def _provided_cell_failed(label: str, error) -> str:
    """The note for a provided (locked) cell that raised: it ran on what the student's cells made."""
    found = errors.meaning(error)
    return (f"The provided cell `{label}` raised {error} when it ran on what your cells made"
            + (f": {found.explanation}" if found is not None else
               ". Check that your functions return what the assignment asks for (types and shapes).")
            + " (It is not graded itself; the checks of the cells it uses are.)")


def _report_failure(error: BaseException, batch: list[Submission]) -> None:
    print(f"autograder: grading failed ({type(error).__name__}: {error}); recording an internal error "
          f"for {len(batch)} submission(s)", file=sys.stderr)


def _internal_failure(name: str, sub: Submission, out_dir: Path, cells: dict, error: BaseException) -> dict:
    # No key: an internal failure is always retried by the next run.
    result = SubmissionResult(sub.student_id, name, cells=dict(cells),
                              load_error=f"the grader failed on this submission ({type(error).__name__}); "
                                         "your instructor has been told. This is not your fault.")
    report.write_feedback(out_dir, result)
    report.write_results(out_dir, result)
    return report.csv_row(result)


def grade(name: str, submitted_dir: Path, out_dir: Path, *, jobs: int = 1, limits: Limits = Limits(),
          progress=None, force: bool = False) -> RunSummary:
    """Grade every submission of ``name`` under ``submitted_dir`` into ``out_dir``.

    A submission whose ``results.json`` already holds a complete result for the
    same notebook and the same grader is not graded again (unless ``force``),
    so a run that was killed can simply be started again."""
    assignment = assignments.get(name)
    grader = grader_fingerprint(assignment)
    submissions = [_with_key(s, grader) for s in discover(submitted_dir, name)]
    out_dir.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(out_dir)
    cells = {c.grade_id: c.points for c in read_source(assignment.source_notebook) if c.role == "test"}
    summary = RunSummary()
    start = time.monotonic()
    if not force:
        todo = []
        for sub in submissions:
            row = _already_graded(out_dir, sub, name)
            if row is None:
                todo.append(sub)
            else:
                summary.rows.append(row)
                summary.reused += 1
        submissions = todo
    jobs = max(1, min(jobs, math.ceil(len(submissions) / MIN_PER_WORKER)))
    size = max(1, min(BATCH_SIZE, math.ceil(len(submissions) / jobs)))
    batches = [submissions[i:i + size] for i in range(0, len(submissions), size)]

    def collect(rows: list[dict]) -> None:
        summary.rows.extend(rows)
        if progress:
            for row in rows:
                progress(row)

    hide = (str(submitted_dir.resolve()), str(out_dir.resolve()))
    if not batches:
        pass  # everything was up to date: no worker, no sandbox
    elif jobs == 1:
        # One worker: grade in this process (saves starting a second interpreter).
        _init_worker(limits, hide)
        try:
            for batch in batches:
                try:
                    collect(grade_batch(name, batch, out_dir))
                except Exception as exc:  # noqa: BLE001 - its students still get a result
                    _report_failure(exc, batch)
                    collect([_internal_failure(name, s, out_dir, cells, exc) for s in batch])
                    _Worker.reset_sandbox()
        finally:
            _Worker.reset_sandbox()
    else:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=min(jobs, len(batches) or 1), mp_context=context,
                                 initializer=_init_worker, initargs=(limits, hide)) as pool:
            futures = {pool.submit(grade_batch, name, batch, out_dir): batch for batch in batches}
            for future in as_completed(futures):
                batch = futures[future]
                try:
                    collect(future.result())
                except Exception as exc:  # noqa: BLE001 - a worker died; its students still get a result
                    _report_failure(exc, batch)
                    collect([_internal_failure(name, s, out_dir, cells, exc) for s in batch])
    summary.seconds = time.monotonic() - start
    report.write_atomic(out_dir / "grades.csv", report.grades_csv(summary.rows, list(cells)))
    return summary
