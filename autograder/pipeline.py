"""Grade notebooks: load → run → check → result, one named step each.

:func:`grade_notebook` is the public entry point for one notebook (``check``,
Gradescope, Coursera). :func:`grade_submissions` is the same steps over a batch,
in one pytest session (``grade`` runs it in each worker):

1. :func:`load` reads the notebook and builds the :class:`~autograder.notebook.Program`
   to run, or a result saying why it cannot be graded (:func:`load_step`);
2. :func:`run` executes it in the worker's sandbox (``execute``), called by
   pytest when the submission's first check needs it;
3. :func:`check` runs the hidden checks over the batch (``harness.run_checks``);
4. :func:`result` turns a submission's checks and execution into its
   :class:`~autograder.results.SubmissionResult`.

The state a worker keeps between submissions (its sandbox, the reference runs
of the solution notebooks) is a :class:`Worker`, passed to every step.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Callable

from autograder import assignments, errors, outcomes, taint, unread
from autograder.fingerprint import grader_fingerprint, result_key
from autograder.notebook import (LoadError, Program, assignment_of, build_program, grade_ids, read_source,
                                 read_submission)
from autograder.results import CheckResult, SubmissionResult
from autograder.sandbox.limits import Limits


@dataclass(frozen=True)
class Submission:
    """One student's submission, as found on disk."""

    student_id: str
    path: Path | None
    """The notebook found for the student (``None`` if there is none)."""
    problem: str | None = None
    """Why no notebook was found, when ``path`` is ``None``."""
    key: str = ""
    """Fingerprint of (this notebook, this grader): a result with the same key need not be redone."""


@dataclass(frozen=True)
class Plan:
    """What grading any submission of one assignment needs, read once per batch."""

    assignment: assignments.Assignment
    source: list
    """The source notebook's cells (``notebook.SourceCell``)."""
    cells: dict[str, float]
    """Max points of each test cell, in notebook order."""
    reference: object
    """The solutions module the checks compare with."""
    snapshots: dict[str, list[str]]
    """The globals to copy after each cell (the checks' ``SNAPSHOT_AFTER``)."""
    words: frozenset[str]
    """The strings a tainted probe's value may keep (``taint.vocabulary``)."""
    readers: frozenset[str]
    """Every word the checks, probes and solutions mention (``unread.vocabulary``)."""
    solution: Program
    """The solution notebook as a program (``execute.solution_program``)."""
    candidates: frozenset[str]
    """The provided cells a submission could leave out (``unread.candidates``)."""
    catalogue: dict[str, set] = field(default_factory=dict)
    """The test and answer cells of every assignment, by name (to tell another
    assignment's notebook): this one's from its source, the others' from the
    notebooks the package ships, so that every machine tells them the same way."""

    @property
    def name(self) -> str:
        return self.assignment.name


def plan(assignment: str | assignments.Assignment) -> Plan:
    """The :class:`Plan` of ``assignment`` (a name: of the course the command runs in)."""
    from autograder import checkapi
    from autograder.execute import solution_program
    from autograder.sandbox import scope

    if isinstance(assignment, str):
        assignment = assignments.get(assignment)
    source = read_source(assignment.source_notebook)
    reference = assignment.solutions()
    checks = assignment.checks()
    shipped = {name: assignments.Assignment(name, assignment.root).packaged_notebook for name in assignments.NAMES}
    catalogue = {name: {c.grade_id for c in read_source(path)} for name, path in shipped.items()
                 if name != assignment.name and path.exists()}  # a platform bundle ships its own alone
    catalogue[assignment.name] = {c.grade_id for c in source}
    snapshots = getattr(checks, "SNAPSHOT_AFTER", {})
    readers = unread.vocabulary(*checkapi.check_modules(checks), reference, *assignment.probe_modules(), checkapi, scope)
    readers |= {name for names in snapshots.values() for name in names}
    solution = solution_program(source)
    return Plan(assignment, source, cells_of(source), reference, snapshots,
                taint.vocabulary(checks, reference, *assignment.probe_modules()), readers, solution,
                # the solution's run is made for the snapshots; a lab without them pays no run for this
                unread.candidates(solution.cells, readers) if unread.enabled() and snapshots else frozenset(),
                catalogue)


def cells_of(source: list) -> dict[str, float]:
    """Max points of each test cell of a source notebook, in notebook order."""
    return {c.grade_id: c.points for c in source if c.role == "test"}


@dataclass
class Worker:
    """What one worker keeps between submissions: its limits, the folders
    student code must not see, its sandbox (started on first use) and the
    reference runs of the solution notebooks it made with it."""

    limits: Limits = field(default_factory=Limits)
    hide: tuple[str, ...] = ()
    sandbox: object = None
    references: dict[str, object] = field(default_factory=dict)

    def ensure_sandbox(self):
        """The sandbox, started if there is none (importing torch in the background)."""
        from autograder.sandbox.client import Sandbox

        if self.sandbox is None:
            self.sandbox = Sandbox(self.limits, self.hide)
        return self.sandbox

    def reset_sandbox(self) -> None:
        """Drop the sandbox (after a failure): the next submission starts a fresh one."""
        if self.sandbox is not None:
            try:
                self.sandbox.close()
            except Exception:  # noqa: BLE001 - it is being replaced anyway
                pass
        self.sandbox = None

    def reference(self, plan: Plan):
        """The run of the solution notebook (``execute.reference_run``), made once per assignment."""
        from autograder.execute import reference_run

        if plan.name not in self.references:
            self.references[plan.name] = reference_run(self.ensure_sandbox(), plan.source, plan.snapshots,
                                                       self.limits.timeout, plan.candidates)
        return self.references[plan.name]

    @property
    def isolation(self) -> str:
        return self.sandbox.isolation if self.sandbox is not None else "unknown"


@dataclass
class Loaded:
    """A submission whose program is ready to run."""

    submission: Submission
    program: Program
    started: float | None = None
    """When :func:`run` started it (``time.monotonic``)."""

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started if self.started is not None else 0.0


# ----------------------------------------------------------------------- load


def _wrong_notebook(nb, name: str, catalogue: dict[str, set]) -> str | None:
    """A message when ``nb`` is plainly another assignment's notebook."""
    meta = nb.get("metadata") if isinstance(nb.get("metadata"), dict) else {}
    tagged = meta.get("autograder", {}).get("assignment") if isinstance(meta.get("autograder"), dict) else None
    if isinstance(tagged, str) and tagged != name and tagged in assignments.NAMES:
        return f"This is the notebook of the `{tagged}` assignment, not `{name}`: submit {name}.ipynb."
    own = catalogue.get(name, set())
    best = assignment_of(nb, catalogue)
    ids = set(grade_ids(nb)) - {None}
    if best and best != name and ids and not (ids & own):
        return f"This is the notebook of the `{best}` assignment, not `{name}`: submit {name}.ipynb."
    return None


def load(sub: Submission, plan: Plan) -> Program:
    """The program to run for ``sub``, or :class:`LoadError` saying why there is none."""
    if sub.path is None:
        raise LoadError(sub.problem or "No notebook was found.")
    nb = read_submission(sub.path)
    name, source = plan.name, plan.source
    wrong = _wrong_notebook(nb, name, plan.catalogue)
    if wrong:
        raise LoadError(wrong)
    program = build_program(nb, source)
    if len(program.missing_answers) == sum(1 for c in source if c.role == "answer"):
        raise LoadError(f"None of the answer cells of {name} were found in {sub.path.name}: "
                        f"is this the right notebook?")
    return program


def load_step(sub: Submission, plan: Plan) -> Loaded | SubmissionResult:
    """:func:`load`, with whatever goes wrong in one file that file's result
    (a zero saying why): a file that breaks the reader breaks nobody else's grade."""
    t0 = time.monotonic()
    try:
        return Loaded(sub, load(sub, plan))
    except LoadError as exc:
        problem = str(exc)
    except Exception as exc:  # noqa: BLE001
        problem = (f"{sub.path.name if sub.path else 'The file'} could not be read as a notebook "
                   f"({type(exc).__name__}): open it in Jupyter, check that it works, save it and submit it again.")
    return SubmissionResult(sub.student_id, plan.name, cells=dict(plan.cells), load_error=problem,
                            seconds=time.monotonic() - t0, key=sub.key)


# ------------------------------------------------------------------------ run


def run(worker: Worker, plan: Plan, loaded: Loaded):
    """Execute ``loaded``'s program in the worker's sandbox: the ``harness.Notebook``
    the checks probe. A sandbox that failed is replaced before the error goes on."""
    from autograder.execute import execute
    from autograder.harness import Notebook

    loaded.started = time.monotonic()
    sandbox = worker.ensure_sandbox()
    try:
        reference = worker.reference(plan)
        skip = unread.skippable(loaded.program.cells, plan.solution.cells, plan.readers, reference.effect_free) \
            if plan.candidates else frozenset()
        execution = execute(sandbox, loaded.program, plan.snapshots, worker.limits.timeout, skip)
    except Exception:
        worker.reset_sandbox()
        raise
    return Notebook(loaded.submission.student_id, execution, plan.reference, worker.limits.timeout,
                    loaded.program.missing_answers, close=sandbox.cleanup, reference_snapshots=reference.snapshots,
                    words=plan.words, rerun=partial(execute, sandbox, loaded.program, plan.snapshots,
                                                    worker.limits.timeout))


# ---------------------------------------------------------------------- check


def check(worker: Worker, plan: Plan, batch: list[Loaded], on_result: Callable[[SubmissionResult], None]) -> None:
    """Run the hidden checks over ``batch`` in one pytest session; hand each
    submission's result to ``on_result`` as soon as it is made. If pytest
    stopped part-way, each submission it did not finish is checked again on
    its own: only one that stops pytest by itself loses its grade."""
    from autograder.harness import Job, run_checks

    by_id = {item.submission.student_id: item for item in batch}
    jobs = [Job(item.submission.student_id, partial(run, worker, plan, item)) for item in batch]
    done = partial(_checked, worker, plan, by_id, on_result)
    finished = run_checks(plan.assignment.checks_file, jobs, done, plan.cells)
    for job in [job for job in jobs if job.student_id in finished.unfinished]:
        worker.reset_sandbox()
        retry = run_checks(plan.assignment.checks_file, [job], done, plan.cells)
        if retry.unfinished:
            report_failure(RuntimeError(retry.error), 1)
            on_result(internal_failure(plan.name, plan.cells, job.student_id, RuntimeError(retry.error)))


def _checked(worker: Worker, plan: Plan, by_id: dict[str, Loaded], on_result, job, checks, notebook) -> None:
    """``run_checks``'s callback: one submission's checks have all reported."""
    try:
        made = result(worker, plan, by_id[job.student_id], checks, notebook)
    except Exception as exc:  # noqa: BLE001 - one student's broken result is not the batch's
        report_failure(exc, 1)
        made = internal_failure(plan.name, plan.cells, job.student_id, exc)
    on_result(made)


# --------------------------------------------------------------------- result


def result(worker: Worker, plan: Plan, loaded: Loaded, checks: list[CheckResult], notebook) -> SubmissionResult:
    """The result of a submission whose checks have run (``notebook`` is ``None``
    when it never ran): its checks, and notes on what went wrong in its cells."""
    program = loaded.program
    notes = list(program.notes)
    notes += [f"The answer cell `{g}` is missing from your notebook." for g in program.missing_answers]
    if notebook is not None:
        notes += _cell_notes(notebook, program, worker.limits)
    return SubmissionResult(loaded.submission.student_id, plan.name, checks, dict(plan.cells), notes=notes,
                            seconds=loaded.seconds, isolation=worker.isolation, key=loaded.submission.key)


def _cell_notes(notebook, program: Program, limits: Limits) -> list[str]:
    notes = []
    for label, outcome in notebook.execution.outcomes.items():
        if outcome.status == "timeout":
            notes.append(outcomes.note_timed_out(label, notebook.timeout))
        elif outcome.status == "crashed":
            notes.append(outcomes.note_crashed(label))
        elif outcome.error is not None and (outcome.error.type_name == "MemoryError"
                                            or "can't allocate memory" in outcome.error.message):
            notes.append(outcomes.note_out_of_memory(label, limits.memory_mb))
    for cell in program.cells:  # the first provided cell that raised (later ones follow from it)
        outcome = notebook.execution.outcomes.get(cell.label)
        if cell.origin == "provided" and outcome is not None and outcome.status == "error":
            notes.append(_provided_cell_failed(cell.label, outcome.error))
            break
    if notebook.patched:
        names = ", ".join(sorted(notebook.patched)[:8])
        notes.append(f"Your code replaced {names}; the grader put the originals back before checking.")
    return notes


def _provided_cell_failed(label: str, error) -> str:
    """The note for a provided (locked) cell that raised: it ran on what the student's cells made."""
    found = errors.meaning(error)
    return (f"The provided cell `{label}` raised {error} when it ran on what your cells made"
            + (f": {found.explanation}" if found is not None else
               ". Check that your functions return what the assignment asks for (types and shapes).")
            + " (It is not graded itself; the checks of the cells it uses are.)")


def internal_failure(name: str, cells: dict[str, float], student_id: str, error: BaseException) -> SubmissionResult:
    """The result of a submission of assignment ``name`` (test cells ``cells``) the
    grader itself failed on. It has no key: the next run always grades it again."""
    return SubmissionResult(student_id, name, cells=dict(cells),
                            load_error=f"the grader failed on this submission ({type(error).__name__}); "
                                       "your instructor has been told. This is not your fault.")


def report_failure(error: BaseException, count: int) -> None:
    """Tell the instructor (stderr) that the grader failed on ``count`` submission(s)."""
    print(f"autograder: grading failed ({type(error).__name__}: {error}); recording an internal error "
          f"for {count} submission(s)", file=sys.stderr)


# -------------------------------------------------------------- entry points


def grade_submissions(worker: Worker, plan: Plan, batch: list[Submission],
                      on_result: Callable[[SubmissionResult], None]) -> None:
    """Every step for each submission of ``batch``, its result handed to
    ``on_result`` as soon as it is made (load errors first)."""
    loaded = []
    for sub in batch:
        step = load_step(sub, plan)
        if isinstance(step, SubmissionResult):
            on_result(step)
        else:
            loaded.append(step)
    check(worker, plan, loaded, on_result)


def grade_submission(sub: Submission, assignment: str | assignments.Assignment, limits: Limits = Limits(),
                     hide: tuple[str, ...] = ()) -> SubmissionResult:
    """Grade one :class:`Submission` (its notebook, or the problem that there is
    none) with a worker of its own; ``hide`` are folders student code must not see."""
    if isinstance(assignment, str):
        assignment = assignments.get(assignment)
    sub = replace(sub, key=result_key(grader_fingerprint(assignment), sub.path))
    worker = Worker(limits, hide)
    made: list[SubmissionResult] = []
    try:
        grade_submissions(worker, plan(assignment), [sub], made.append)
    finally:
        worker.reset_sandbox()
    return made[0]


def grade_notebook(path: Path, assignment: str | assignments.Assignment, limits: Limits = Limits(), *,
                   student_id: str = "submission") -> SubmissionResult:
    """Grade the notebook at ``path`` as ``assignment`` under ``limits``.

    Exactly what ``python -m autograder grade`` gives that notebook as the
    submission of ``student_id`` (the checks draw their inputs per student).
    Nothing is written to disk. Raises ``assignments.UnknownAssignment``."""
    return grade_submission(Submission(student_id, path), assignment, limits)
