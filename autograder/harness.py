"""Run the hidden checks with pytest, one session for many submissions.

The :class:`GradingPlugin` parametrizes every check over the submissions of a
batch (session scope, so pytest runs all checks of one submission before
moving to the next), gives each check the ``nb`` and ``gen`` fixtures, and
turns pytest's reports into :class:`~autograder.results.CheckResult` values.
When the last check of a submission has reported, the submission is handed to
the ``on_done`` callback, so results stream out as they are made.
"""

from __future__ import annotations

import copy
import functools
import inspect
import json
import textwrap
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
import torch

from autograder import answers, codec, errors, outcomes, taint, unread
from autograder.assignments import points_problem
from autograder.checking import CheckFailed, StudentCrashed, StudentProblem, StudentRaised, StudentTimedOut
from autograder.execute import Execution
from autograder.results import CheckResult
from autograder.sandbox import sharing
from autograder.sandbox.client import Outcome, SandboxError

CHECKS_DIR = Path(__file__).resolve().parent / "checks"


@dataclass
class Job:
    """One loaded submission waiting for its checks."""

    student_id: str
    start: Callable[[], "Notebook"]
    """Executes the notebook in the sandbox (called lazily, once)."""


class Notebook:
    """What a hidden check sees of a student's notebook: a way to probe it."""

    def __init__(self, student_id: str, execution: Execution, reference_module, timeout: float,
                 missing: list[str], close: Callable[[], None], reference_snapshots: dict | None = None,
                 words: frozenset[str] = frozenset(), rerun: Callable[[], Execution] | None = None):
        self.student_id = student_id
        self.execution = execution
        self.reference = reference_module
        self.timeout = timeout
        self.missing = missing
        self.reference_snapshots = reference_snapshots or {}
        self.words = words
        """The strings a tainted probe's value may keep (``taint.vocabulary``)."""
        self.patched: set[str] = {p for o in execution.outcomes.values() for p in o.patched}
        self._close = close
        self._answers: dict[str, tuple[bool, object]] = {}
        self._rerun = rerun
        """Executes the notebook again with every cell (for a probe that needs a left-out one)."""
        self.share = sharing.on()
        """Probes without reference code may share a copy (``sandbox.sharing``)."""
        self._kept = None
        """The copy the last such probe left as it found it, waiting for the next."""

    @staticmethod
    def _source(fn) -> str:
        return _source_of(fn)

    def cell_problem(self, grade_id: str) -> str | None:
        """Why the answer cell ``grade_id`` did not define what it should, if
        it failed when it ran (or is missing)."""
        if grade_id in self.missing:
            return f"the answer cell `{grade_id}` is missing from your notebook"
        outcome = self.execution.error_of(grade_id)
        if outcome is None:
            return None
        if outcome.status == "timeout":
            return outcomes.cell_timed_out(grade_id)
        if outcome.status == "crashed":
            return outcomes.cell_crashed(grade_id)
        found = errors.meaning(outcome.error) if isinstance(outcome.error, codec.StudentError) else None
        return outcomes.cell_raised(grade_id, outcome.error, None if found is None else found.explanation)

    def probe_each(self, fn, /, *, what: str, cell: str | None = None, reference: tuple[str, ...] = (),
                   **kwargs) -> list[tuple[str, object]]:
        """:meth:`probe` with the reference versions of the earlier cells, then once
        more for every other right way of writing one of them (the solution
        module's ``VARIANTS``): a later cell must be right under each, since each
        is accepted as right where it is the student's own. Returns
        ``[(how, answer), ...]``; the first ``how`` is ``""``, the others say
        what was different (the variant's docstring)."""
        found = [("", self.probe(fn, what=what, cell=cell, reference=reference, **kwargs))]
        for name in reference:
            for variant in getattr(self.reference, "VARIANTS", {}).get(name, []):
                how = (variant.__doc__ or variant.__name__).strip().splitlines()[0].rstrip(".")
                found.append((how, self.probe(fn, what=what, cell=cell, reference=reference,
                                              _variant=(name, variant), **kwargs)))
        return found

    def probe(self, fn, /, *, what: str, cell: str | None = None, reference: tuple[str, ...] = (),
              _variant: tuple[str, object] | None = None, **kwargs):
        """Run ``fn(namespace, **kwargs)`` in a copy of the notebook (``_probe_a_copy``) and
        return its value. ``fn`` is a public probe (``autograder/probes/``).
        ``reference`` names solution functions that replace the student's (so
        earlier mistakes are not punished twice): the probe is then *tainted*
        and nothing the student's code wrote comes back (see ``taint``).
        ``what`` names the student code being called, for messages; ``cell``
        the answer cell it comes from."""
        message = {
            "source": self._source(fn),
            "function": fn.__name__,
            "kwargs": codec.encode(kwargs, torch=torch),
            "reference": [self._reference_source(name, _variant) for name in reference],
            "reference_names": list(reference),  # for messages; not sent
        }
        # Checks of one cell draw the same inputs (``gen`` is seeded per cell), so
        # the same probe is run once and its answer shared.
        key = json.dumps([message, what, cell], sort_keys=True)
        if key not in self._answers:
            try:
                self._answers[key] = (True, self._run_probe(message, what, cell))
            except StudentProblem as problem:
                self._answers[key] = (False, problem)
        ok, answer = self._answers[key]
        if not ok:
            raise answer
        return answers.guard(fn, copy.deepcopy(answer), what)

    def _reference_source(self, name: str, variant: tuple[str, object] | None) -> str:
        if variant is not None and variant[0] == name:
            function = variant[1]
            return f"{self._source(function)}\n{name} = {function.__name__}\n"
        return self._source(getattr(self.reference, name))

    def snapshot(self, grade_id: str) -> dict | None:
        """The globals the assignment's ``SNAPSHOT_AFTER`` names, as they were
        right after cell ``grade_id`` ran (``None`` if it never ran). Reading
        them needs no probe: they were sent back when they were copied."""
        taken = self.execution.snapshots.get(grade_id)
        return None if taken is None else answers.guard_values(copy.deepcopy(taken), f"the {grade_id} cell's globals")

    def reference_snapshot(self, grade_id: str) -> dict | None:
        """The same globals as the instructor's solution notebook left them, run
        from the same provided cells (``execute.reference_run``): what a
        whole-notebook check compares the student's with."""
        taken = self.reference_snapshots.get(grade_id)
        return None if taken is None else copy.deepcopy(taken)

    def _run_probe(self, message: dict, what: str, cell: str | None):
        tainted = bool(message["reference"])
        outcome = self._outcome(message)
        if not tainted:
            self.patched.update(outcome.patched)
        if outcome.status == "ok":
            if not tainted or not taint.hides_something(outcome.value, self.words):
                return outcome.value
            # Text would be hidden (an error caught in the value): the same probe with
            # the student's own functions shows it, if it behaves the same otherwise.
            hidden = taint.redact(outcome.value, self.words)
            own = self._outcome(dict(message, reference=[]))
            if own.status == "ok" and taint.same(taint.redact(own.value, self.words), hidden):
                return own.value
            return hidden
        if outcome.status == "timeout":
            raise StudentTimedOut(what, self.timeout)
        if outcome.status == "crashed":
            raise StudentCrashed(what, outcome.reason)
        if not tainted:
            raise StudentRaised(outcome.error, what, self.cell_problem(cell) if cell else None)
        # The error came from a copy holding reference code: its text is never shown. The
        # same probe without it, with the student's own functions, may show the student's error.
        own = self._outcome(dict(message, reference=[]))
        if own.status == "error":
            raise StudentRaised(own.error, what, self.cell_problem(cell) if cell else None)
        raise StudentRaised(taint.redact_error(outcome.error), what, None,
                            with_reference=message["reference_names"], own_ran=own.status == "ok")

    def _outcome(self, message: dict):
        outcome = self._probe_a_copy(message)
        if self._rerun is not None and outcome.status == "error" \
                and unread.fails_on(outcome.error, self.execution.left_out):
            # It needs a name a left-out provided cell binds: the notebook runs again, every cell this time.
            self._drop_kept()
            self.execution.final.kill()
            self.execution = self._rerun()
            outcome = self._probe_a_copy(message)
        return outcome

    def _probe_a_copy(self, message: dict):
        """The probe's outcome in a fresh copy, or, for a probe without reference code, in
        the copy earlier ones left as they found it. An error or a crash there is never
        taken from it: the probe runs again in a fresh copy."""
        keep = self.share and not message["reference"]
        if keep and self._kept is not None and self._kept.reusable():
            node, self._kept = self._kept, None
            outcome = node.probe(message, self.timeout, keep=True)
            if outcome.status not in ("error", "crashed"):
                self._kept = node if node.alive else None
                return outcome
            node.kill()
        self._kept = None if keep else self._kept
        try:
            node = self.execution.final.fork(keep=keep, spare=self._kept is not None)
        except SandboxError as exc:
            return Outcome(status="crashed", reason=f"the notebook's process was gone ({exc})")
        outcome = node.probe(message, self.timeout, keep=keep)
        if keep and node.alive:
            self._kept = node
        return outcome

    def _drop_kept(self) -> None:
        if self._kept is not None:
            self._kept.kill()
            self._kept = None

    def close(self) -> None:
        self._drop_kept()
        self._close()


@functools.lru_cache(maxsize=512)
def _source_of(fn) -> str:
    """The source a probe or a reference function is shipped to the sandbox as."""
    return textwrap.dedent(inspect.getsource(fn))


def _seed(student_id: str, grade_id: str) -> int:
    """Fresh inputs for every student and test cell, yet the same on a re-grade.
    (Checks of one cell share their inputs, so they can share their probes.)"""
    return zlib.crc32(f"{student_id}/{grade_id}".encode())


def _message(excinfo) -> str:
    error = excinfo.value
    if isinstance(error, (CheckFailed, StudentProblem)):
        return str(error.args[0]) if error.args else "Check failed."
    return (f"The grader hit an internal error ({type(error).__name__}) while checking this. "
            "This is not your fault: please tell your instructor.")


class GradingPlugin:
    """A pytest plugin grading ``jobs`` with the checks of one assignment."""

    def __init__(self, jobs: list[Job], on_done: Callable[[Job, list[CheckResult], Notebook | None], None],
                 points: dict[str, float] | None = None):
        self.jobs = jobs
        self.on_done = on_done
        self.points = points
        """Each test cell's points in the notebook: the collected checks must add up to them."""
        self._expected: dict[int, int] = {}
        self._results: dict[int, list[CheckResult]] = {}
        self._notebooks: dict[int, Notebook | None] = {}
        self.finished: set[int] = set()

    # -- collection -------------------------------------------------------

    def pytest_generate_tests(self, metafunc):
        if "nb" in metafunc.fixturenames:
            metafunc.parametrize("nb", range(len(self.jobs)), indirect=True, scope="session",
                                 ids=[f"s{i}" for i in range(len(self.jobs))])

    def pytest_collection_modifyitems(self, items):
        if self.points is not None:
            collected: dict[str, float] = {}
            for function in dict.fromkeys(getattr(item, "function", None) for item in items):
                marker = next((m for m in getattr(function, "pytestmark", []) if m.name == "cell"), None)
                if marker is not None:  # each check once, whatever the number of submissions
                    grade_id = marker.kwargs["grade_id"]
                    collected[grade_id] = collected.get(grade_id, 0) + marker.kwargs.get("points", 1)
            problem = points_problem(collected, self.points)
            if problem:
                raise pytest.UsageError(problem)
        for item in items:
            index = self._index(item)
            if index is not None:
                self._expected[index] = self._expected.get(index, 0) + 1
        for index in range(len(self.jobs)):
            if index not in self._expected:
                self._finish(index)

    @staticmethod
    def _index(item) -> int | None:
        callspec = getattr(item, "callspec", None)
        return callspec.params.get("nb") if callspec else None

    # -- fixtures ---------------------------------------------------------

    @pytest.fixture(scope="session")
    def nb(self, request):
        index = request.param
        notebook = self.jobs[index].start()
        self._notebooks[index] = notebook
        yield notebook

    @pytest.fixture
    def gen(self, request):
        index = self._index(request.node)
        student = self.jobs[index].student_id if index is not None else ""
        marker = request.node.get_closest_marker("cell")
        grade_id = marker.kwargs["grade_id"] if marker else request.node.name
        return torch.Generator().manual_seed(_seed(student, grade_id))

    # -- reports ----------------------------------------------------------

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(self, item, call):
        """The report of a check, made here instead of by pytest: pytest would
        format a traceback with source for every failed check (about 80 ms
        each), and the student is only ever shown our message."""
        marker = item.get_closest_marker("cell")
        index = self._index(item)
        excinfo = call.excinfo
        if marker is None or index is None or (excinfo is not None and excinfo.errisinstance(pytest.skip.Exception)):
            return None  # not a check of a submission: pytest's own report
        passed = excinfo is None
        report = pytest.TestReport(item.nodeid, item.location, {name: 1 for name in item.keywords},
                                   "passed" if passed else "failed", None, call.when,
                                   duration=call.duration, start=call.start, stop=call.stop)
        if call.when == "teardown" or (call.when == "setup" and passed):
            return report
        message = "" if passed else _message(excinfo)
        if call.when == "setup" and not passed:
            message = ("Your notebook could not be run by the grader, so this was not checked. "
                       + ("" if isinstance(excinfo.value, StudentProblem) else
                          "This is not your fault: please tell your instructor."))
        report.longrepr = None if passed else message
        result = CheckResult(
            name=item.originalname or item.name,
            grade_id=marker.kwargs["grade_id"],
            max_score=float(marker.kwargs.get("points", 1)),
            passed=passed,
            message=message,
            mistake=None if passed or call.when != "call" else getattr(excinfo.value, "mistake", None),
        )
        self._results.setdefault(index, []).append(result)
        if len(self._results[index]) == self._expected.get(index, 0):
            self._finish(index)
        return report

    def close_unfinished(self) -> None:
        """End the processes of submissions pytest stopped in the middle of."""
        for index in list(self._notebooks):
            notebook = self._notebooks.pop(index)
            try:
                if notebook is not None:
                    notebook.close()
            except Exception:  # noqa: BLE001 - the caller replaces the sandbox
                pass

    def _finish(self, index: int) -> None:
        self.finished.add(index)
        notebook = self._notebooks.pop(index, None)
        try:
            if notebook is not None:
                # Every process of the submission is gone before its results are written,
                # so nothing it started can overwrite them.
                notebook.close()
        finally:
            self.on_done(self.jobs[index], self._results.pop(index, []), notebook)


@dataclass(frozen=True)
class ChecksRun:
    """How a pytest session over a batch ended."""

    code: object
    """pytest's exit code."""
    unfinished: frozenset[str]
    """Students whose checks did not all report (pytest stopped before them)."""
    error: str = ""


def run_checks(checks_file: Path, jobs: list[Job], on_done, points: dict[str, float] | None = None) -> ChecksRun:
    """Run the checks in ``checks_file`` over ``jobs``. Every job that pytest
    finishes is handed to ``on_done`` exactly once; the others are listed.
    With ``points`` (each test cell's), collection fails unless the checks add up to them."""
    plugin = GradingPlugin(jobs, on_done, points)
    args = [
        str(checks_file), "-p", "no:cacheprovider", "-p", "no:terminal", "-p", "no:stepwise",
        # pytest plugins the checks do not use, each costing time per check or per session:
        "-p", "no:logging", "-p", "no:unraisableexception", "-p", "no:threadexception",
        "--import-mode=importlib", "--assert=plain", "-c", str(CHECKS_DIR / "pytest.ini"),
        "--rootdir", str(CHECKS_DIR), "-W", "ignore",
    ]
    try:
        code = pytest.main(args, plugins=[plugin])
    except Exception as exc:  # noqa: BLE001 - reported as the unfinished students' problem
        code = f"{type(exc).__name__}: {exc}"
    plugin.close_unfinished()
    unfinished = frozenset(job.student_id for i, job in enumerate(jobs) if i not in plugin.finished)
    return ChecksRun(code, unfinished, f"pytest exited with {code!r} before grading it" if unfinished else "")
