"""Run a submission's program in the sandbox, cell by cell.

Each cell has its own time limit. A cell that hangs (even one that swallows
interrupts) or kills its process is killed from outside; the notebook is then
replayed from the start without it, so every later cell still runs, from the
state the notebook would have had if that cell had never been there.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from autograder import unread
from autograder.notebook import Program, ProgramCell, transform_ipython
from autograder.sandbox.client import Node, Outcome, Sandbox


@dataclass
class Execution:
    """A submission after its cells ran: the live final state and the log."""

    final: Node
    """The node holding the namespace after the last cell."""
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    """The last outcome of each cell, by label."""
    seconds: float = 0.0
    """Wall-clock time spent executing cells (replays included)."""
    replays: int = 0
    """How many times the notebook was replayed after a fatal cell."""
    snapshots: dict[str, dict] = field(default_factory=dict)
    """Globals copied right after a cell ran, by the cell's grade_id (see ``execute``)."""
    left_out: frozenset[str] = frozenset()
    """The names bound by the provided cells this run left out (``unread``)."""

    def error_of(self, label: str) -> Outcome | None:
        """The failing outcome of cell ``label``, if it did not run cleanly."""
        outcome = self.outcomes.get(label)
        return outcome if outcome is not None and not outcome.ok else None


def execute(sandbox: Sandbox, program: Program, snapshots: dict[str, list[str]] | None = None,
            timeout: float | None = None, skip: frozenset[str] = frozenset(),
            audit: frozenset[str] = frozenset()) -> Execution:
    """Execute ``program``; after each cell named in ``snapshots``, copy the
    listed globals aside so a check can read them as they were then. The
    provided cells ``skip`` are left out (``unread``): should a cell then fail on
    a name one of them binds, the program is executed again with every cell.
    The outcome of each provided cell in ``audit`` says whether it changed
    anything but its names (the solution notebook's run)."""
    execution = _execute(sandbox, program, snapshots or {}, timeout, skip, audit)
    if skip:
        execution.left_out = unread.bound_by(program.cells, skip)
        if _needs(execution, execution.left_out):
            execution.final.kill()
            return _execute(sandbox, program, snapshots or {}, timeout, frozenset(), audit)
    return execution


def _needs(execution: Execution, names: frozenset[str]) -> bool:
    """Whether a cell of ``execution`` failed on one of ``names`` not being defined."""
    return any(unread.fails_on(o.error, names) for o in execution.outcomes.values())


def _execute(sandbox: Sandbox, program: Program, snapshots: dict[str, list[str]], timeout: float | None,
             skip: frozenset[str], audit: frozenset[str]) -> Execution:
    fatal: dict[int, Outcome] = {}
    start = time.monotonic()
    replays = 0
    while True:
        node = sandbox.start()
        outcomes: dict[str, Outcome] = {}
        taken: dict[str, dict] = {}
        restart = False
        for index, cell in enumerate(program.cells):
            if index in fatal:
                outcomes[cell.label] = fatal[index]
                continue
            if cell.origin == "provided" and cell.label in skip:
                outcome = Outcome(status="ok", skipped=True)
            else:
                outcome = node.exec(cell.source, cell.label, timeout, _audited(cell) if cell.label in audit else None)
            outcomes[cell.label] = outcome
            if outcome.status in ("timeout", "crashed"):
                fatal[index] = outcome
                restart = True
                break
            if cell.grade_id in snapshots:
                copied = node.snapshot(cell.grade_id, snapshots[cell.grade_id])
                if copied.ok:
                    taken[cell.grade_id] = copied.value
        if not restart:
            return Execution(node, outcomes, time.monotonic() - start, replays, taken)
        node.kill()
        replays += 1


def _audited(cell: ProgramCell) -> list[str] | None:
    """The names an audited cell binds (the node says whether it changed anything else)."""
    said = unread.words(cell.source) if cell.origin == "provided" else None
    return sorted(said.binds) if said is not None else None


def solution_program(source: list) -> Program:
    """The instructor's solution notebook as a program: its provided cells and its solutions."""
    return Program(cells=[ProgramCell(c.grade_id, transform_ipython(c.source), c.role, c.grade_id)
                          for c in source if c.role in ("answer", "provided")])


@dataclass(frozen=True)
class Reference:
    """What the run of the solution notebook tells grading."""

    snapshots: dict[str, dict]
    """The globals ``SNAPSHOT_AFTER`` names, as the solution left them."""
    effect_free: frozenset[str]
    """The provided cells that ran cleanly and changed nothing but their own names (``unread``)."""


def reference_run(sandbox: Sandbox, source: list, snapshots: dict[str, list[str]],
                  timeout: float | None = None, audit: frozenset[str] = frozenset()) -> Reference:
    """The run of the instructor's solution notebook, like a submission's, with
    the provided cells ``audit`` audited (``unread.candidates``). Whole-notebook
    checks (``converged``) compare the student's values with its snapshots, so
    they judge the notebook's own data as the provided cells made it, never
    whatever the student's code left behind in the data."""
    if not snapshots and not audit:
        return Reference({}, frozenset())
    execution = execute(sandbox, solution_program(source), snapshots, timeout, audit=audit)
    execution.final.kill()
    sandbox.cleanup()
    failed = [label for label, outcome in execution.outcomes.items() if not outcome.ok]
    if failed and snapshots:
        raise RuntimeError(f"the solution notebook itself failed in cells {failed}")
    effect_free = frozenset(label for label, o in execution.outcomes.items()
                            if label in audit and o.ok and o.unchanged) if not failed else frozenset()
    return Reference(execution.snapshots, effect_free)
