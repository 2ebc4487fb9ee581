"""Run a submission's program in the sandbox, cell by cell.

Each cell has its own time limit. A cell that hangs (even one that swallows
interrupts) or kills its process is killed from outside; the notebook is then
replayed from the start without it, so every later cell still runs, from the
state the notebook would have had if that cell had never been there.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

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

    def error_of(self, label: str) -> Outcome | None:
        """The failing outcome of cell ``label``, if it did not run cleanly."""
        outcome = self.outcomes.get(label)
        return outcome if outcome is not None and not outcome.ok else None


def execute(sandbox: Sandbox, program: Program, snapshots: dict[str, list[str]] | None = None,
            timeout: float | None = None) -> Execution:
    """Execute ``program``; after each cell named in ``snapshots``, copy the
    listed globals aside so a check can read them as they were then."""
    snapshots = snapshots or {}
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
            outcome = node.exec(cell.source, cell.label, timeout)
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


def reference_run(sandbox: Sandbox, source: list, snapshots: dict[str, list[str]],
                  timeout: float | None = None) -> dict[str, dict]:
    """The snapshots the instructor's solution notebook gives: its provided
    cells and its solutions, run like a submission. Whole-notebook checks
    (``converged``) compare the student's values with these, so they judge the
    notebook's own data as the provided cells made it, never whatever the
    student's code left behind in the data."""
    if not snapshots:
        return {}
    program = Program(cells=[ProgramCell(c.grade_id, transform_ipython(c.source), c.role, c.grade_id)
                             for c in source if c.role in ("answer", "provided")])
    execution = execute(sandbox, program, snapshots, timeout)
    execution.final.kill()
    sandbox.cleanup()
    failed = [label for label, outcome in execution.outcomes.items() if not outcome.ok]
    if failed:
        raise RuntimeError(f"the solution notebook itself failed in cells {failed}")
    return execution.snapshots
