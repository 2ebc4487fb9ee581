"""The mutation suite: generated mistakes, judged by the oracle, graded for real.

For one assignment: every mutant of every reference answer cell is generated
(``operators``); the oracle decides, on inputs drawn from SPEC's whole domain,
whether it behaves differently (``behaviours``); each is put into the solution
notebook in place of its cell and the whole lot is graded through the real
command line; and the notebook's visible tests are run on each, in the sandbox,
as a student would run them. Then:

* a mutant that behaves differently must lose points in its own cell, and
  elsewhere only in ``test_converged`` (where its cell trains);
* an equivalent mutant must get full marks;
* a visible test that fails must mean a hidden loss in that test cell.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from tests import support
from tests.mutation import behaviours, operators, oracle

#: Answer cells whose mistakes may also cost the whole-notebook check (they train the model).
TRAINS = {"training_slope": {"forward", "criterion", "backward_update", "zero_grad", "train_model"},
          "training_slope_bias": {"forward", "criterion", "backward_update", "zero_grad", "train_model"}}
WHOLE_NOTEBOOK = "test_converged"


@dataclass
class Judged:
    mutant: operators.Mutant
    differs: bool
    example: str
    scores: dict[str, float] = field(default_factory=dict)
    lost: set[str] = field(default_factory=set)
    """Test cells where it lost points."""
    visible_failures: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)


@dataclass
class Report:
    assignment: str
    judged: list[Judged]

    @property
    def differing(self) -> list[Judged]:
        return [j for j in self.judged if j.differs]

    @property
    def killed(self) -> list[Judged]:
        return [j for j in self.differing if f"test_{j.mutant.cell}" in j.lost]

    @property
    def failures(self) -> list[Judged]:
        return [j for j in self.judged if j.problems]

    def text(self) -> str:
        lines = [f"{self.assignment}: mutation score {len(self.killed)} / {len(self.differing)} killed "
                 f"(behaving differently); {len(self.judged) - len(self.differing)} equivalent; "
                 f"{len(self.failures)} with a problem"]
        for j in self.failures:
            lines.append(f"  {j.mutant.name}  [{j.mutant.change}]")
            for problem in j.problems:
                lines.append(f"      {problem}")
        return "\n".join(lines)


# ------------------------------------------------------------- preparation


def answer_cells(assignment: str) -> dict[str, str]:
    nb = support.source_notebook(assignment)
    return {support.grade_id(c): c.source for c in nb.cells
            if c.get("metadata", {}).get("nbgrader", {}).get("solution")}


def notebook_globals(assignment: str) -> set[str]:
    """Names the provided (locked, non-test) cells bind: what an argument could be mistaken for."""
    names = set()
    for cell in support.source_notebook(assignment).cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type != "code" or meta.get("solution") or meta.get("grade"):
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
    return names


def prelude(assignment: str) -> list:
    """The notebook's imports and every reference answer cell, compiled (see ``oracle._observe``)."""
    imports = next(c.source for c in support.source_notebook(assignment).cells if support.grade_id(c) == "imports")
    codes = [compile(imports, "<imports>", "exec")]
    for cell, source in answer_cells(assignment).items():
        if not behaviours.BEHAVIOURS[assignment][cell].run_cell:
            codes.append(compile(source, f"<{cell}>", "exec"))
    return codes


def generate(assignment: str) -> list[operators.Mutant]:
    found = []
    names = notebook_globals(assignment)
    for cell, source in answer_cells(assignment).items():
        found += operators.mutants(cell, source, names)
    return found


def sample(mutants: list[operators.Mutant], every: int) -> list[operators.Mutant]:
    """A fixed sample: every ``every``-th mutant, by name (the same on every run)."""
    ordered = sorted(mutants, key=lambda m: m.name)
    return ordered[::every]


def classify(assignment: str, mutants: list[operators.Mutant]) -> list[Judged]:
    base = prelude(assignment)
    cells = answer_cells(assignment)
    judged = []
    for mutant in mutants:
        behaviour = behaviours.BEHAVIOURS[assignment][mutant.cell]
        verdict = oracle.compare(behaviour, base, cells[mutant.cell], mutant.source)
        judged.append(Judged(mutant, verdict.differs, verdict.example))
    return judged


# --------------------------------------------------------------- grading


def _student(mutant: operators.Mutant) -> str:
    return mutant.name.replace(":", "-")


def _notebook(assignment: str, mutant: operators.Mutant) -> nbformat.NotebookNode:
    return support.build(assignment, support.Case(mutant.name, {mutant.cell: mutant.source}))


def grade(assignment: str, judged: list[Judged], root: Path) -> None:
    submitted, out = root / "submitted", root / "out"
    for j in judged:
        support.write(submitted, _student(j.mutant), assignment, _notebook(assignment, j.mutant))
    done = support.grade(assignment, submitted, out, jobs=2, timeout=10)
    if done.returncode != 0:
        raise RuntimeError(f"grading the mutants failed:\n{done.stderr[-3000:]}")
    for j in judged:
        result = support.results(out, _student(j.mutant))
        j.scores = support.cell_scores(result)
        j.messages = [t["output"] for t in result["tests"] if t["status"] == "failed"]


VISIBLE_RUNNER = r"""
import json, sys
from autograder.execute import execute
from autograder.notebook import Program, ProgramCell, _visible, read_source, transform_ipython
from autograder.sandbox.client import Sandbox
from autograder.sandbox.limits import Limits
from autograder import assignments

assignment, jobs = sys.argv[1], json.loads(sys.stdin.read())
source = read_source(assignments.get(assignment).source_notebook)
results = {}
with Sandbox(Limits(timeout=10)) as sandbox:
    for student, (cell, code) in jobs.items():
        cells = []
        for c in source:
            if c.role == "answer":
                cells.append(ProgramCell(c.grade_id, transform_ipython(code if c.grade_id == cell else c.source), "answer", c.grade_id))
            elif c.role == "provided":
                cells.append(ProgramCell(c.grade_id, transform_ipython(c.source), "provided", c.grade_id))
            else:
                cells.append(ProgramCell(c.grade_id, _visible(c.source), "provided", c.grade_id))
        execution = execute(sandbox, Program(cells), {}, 10)
        execution.final.kill()
        sandbox.cleanup()
        results[student] = [label for label, o in execution.outcomes.items()
                            if label.startswith("test_") and not o.ok]
print(json.dumps(results))
"""


def visible_tests(assignment: str, judged: list[Judged]) -> None:
    """Run each mutant's notebook with its visible test cells, as a student runs it."""
    jobs = {_student(j.mutant): (j.mutant.cell, j.mutant.source) for j in judged}
    done = subprocess.run([sys.executable, "-c", VISIBLE_RUNNER, assignment], input=json.dumps(jobs),
                          capture_output=True, text=True, cwd=support.ROOT, timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(f"running the visible tests failed:\n{done.stderr[-3000:]}")
    failures = json.loads(done.stdout.strip().splitlines()[-1])
    for j in judged:
        j.visible_failures = failures[_student(j.mutant)]


# --------------------------------------------------------------- judging


def judge(assignment: str, judged: list[Judged]) -> None:
    full = support.cell_max(assignment)
    for j in judged:
        own = f"test_{j.mutant.cell}"
        lost = j.lost = {cell for cell, score in j.scores.items() if score < full[cell]}
        allowed = {own} | ({WHOLE_NOTEBOOK} if j.mutant.cell in TRAINS.get(assignment, set()) else set())
        if j.differs and own not in lost:
            j.problems.append(f"survives: behaves differently ({j.example}) but keeps full marks in {own}")
        if j.differs and lost - allowed:
            j.problems.append(f"also costs {sorted(lost - allowed)}: {j.messages[:2]}")
        if not j.differs and lost:
            j.problems.append(f"equivalent (no input tells it from the reference) but loses {sorted(lost)}: "
                              f"{j.messages[:2]}")
        order = list(full)
        for cell in j.visible_failures:
            if cell not in full or cell in lost:
                continue
            # A later cell's visible test may fail because of this earlier mistake (it calls the
            # earlier function), once the student has been shown that mistake by its own visible test.
            if own in j.visible_failures and own in order and order.index(cell) > order.index(own):
                continue
            j.problems.append(f"its visible test {cell} fails, but the hidden checks give it full marks there")


def run(assignment: str, every: int = 1, root: Path | None = None) -> Report:
    mutants = generate(assignment)
    if every > 1:
        mutants = sample(mutants, every)
    judged = classify(assignment, mutants)
    with tempfile.TemporaryDirectory(prefix=f"mutants-{assignment}-") as scratch:
        grade(assignment, judged, Path(root or scratch))
    visible_tests(assignment, judged)
    judge(assignment, judged)
    return Report(assignment, judged)
