"""Build a source notebook from text you can review: markdown, provided cells,
answer cells rendered from the reference solution, and test cells.

Every solution region comes from ``solutions/<assignment>.py`` (see
:func:`solution_source`), and every test cell's points from its hidden checks
(``@cell(points=)`` in ``autograder/checks/<assignment>.py``): neither is written
here a second time.
"""

import ast
import inspect
import re
import sys
import textwrap
from pathlib import Path

import nbformat
from nbformat.v4 import new_notebook, new_markdown_cell, new_code_cell

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from autograder import assignments  # noqa: E402

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
#: A linter's note at the end of a line of the reference (``# noqa: F821 - ...``): not for students.
_NOQA = re.compile(r"\s+# noqa\b.*$")


def _region(lines: list[str], first: int, last: int, indent: str) -> list[str]:
    """``lines[first:last]`` between the solution markers, at ``indent``."""
    return [indent + BEGIN, *lines[first:last], indent + END]


def _body_start(node) -> int:
    """Index (0-based line) where ``node``'s body starts, after its docstring."""
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        return body[0].end_lineno
    return body[0].lineno - 1


def _def_with_region(lines: list[str], node) -> list[str]:
    """A function's source with its body (after the docstring) as the solution region."""
    start, end = _body_start(node), node.end_lineno
    indent = re.match(r"\s*", lines[node.body[-1].lineno - 1]).group()
    return lines[node.lineno - 1:start] + _region(lines, start, end, indent)


def solution_source(obj, *, cell: bool = False) -> str:
    """The answer cell for the reference function or class ``obj``, with its
    solution regions marked for nbgrader.

    * A function: its signature and docstring, then its body as the region.
    * A class: its header and docstring, then each method with its body as a region.
    * ``cell=True``: ``obj`` is a function whose body *is* the cell (it makes the
      cell's globals and returns them, so the checks can call it): the body,
      without the docstring and the final ``return``, becomes a top-level region.
    """
    source = textwrap.dedent(inspect.getsource(obj))
    lines = [_NOQA.sub("", line) for line in source.splitlines()]
    node = ast.parse(source).body[0]
    if cell:
        assert isinstance(node.body[-1], ast.Return), f"{obj.__name__} must end by returning the cell's globals"
        body = textwrap.dedent("\n".join(lines[_body_start(node):node.body[-1].lineno - 1])).splitlines()
        return "\n".join(_region(body, 0, len(body), ""))
    if isinstance(node, ast.ClassDef):
        out, at = [], node.lineno - 1
        for method in (n for n in node.body if isinstance(n, ast.FunctionDef)):
            out += lines[at:method.lineno - 1] + _def_with_region(lines, method)
            at = method.end_lineno
        return "\n".join(out + lines[at:node.end_lineno])
    return "\n".join(_def_with_region(lines, node))

def meta(grade_id, *, solution=False, grade=False, locked=False, points=0):
    m = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3, "solution": solution, "task": False}
    if grade:
        m["points"] = points
    return {"nbgrader": m}

#: The paragraph ending each lab's introduction (prediction words it for its models).
HOW_GRADED = """\
**How this notebook is graded.** Each cell that says `# YOUR CODE HERE` is yours. The
cell right after it runs a few quick checks you can see; when you submit, hidden
checks test the same function on inputs you have never seen. Keep the function names
and arguments exactly as given, do not edit the locked cells, and run the notebook
from top to bottom (*Kernel → Restart & Run All*) before you submit.
"""

#: What a test cell's hidden region says (and scores: 0) when the kernel cannot import the grader.
MISSING_GRADER = ("The hidden checks of this cell need the grader, which is not installed in the "
                  "environment this kernel runs in, so this cell scores 0. Instructor: install it there "
                  "(pip install <the grader's wheel>) and run nbgrader autograde again.")


class NB:
    def __init__(self, name):
        self.name = name
        self.cells = []
        self.n = 0
    def md(self, text):
        self.n += 1
        self.cells.append(new_markdown_cell(text.strip("\n"), metadata=meta(f"md_{self.n:02d}", locked=True)))
    def provided(self, gid, code):
        self.cells.append(new_code_cell(code.strip("\n"), metadata=meta(gid, locked=True)))
    def answer(self, gid, obj, *, cell=False):
        """The answer cell ``gid``, rendered from the reference ``obj`` (see :func:`solution_source`)."""
        self.cells.append(new_code_cell(solution_source(obj, cell=cell), metadata=meta(gid, solution=True)))
    def test(self, gid, code):
        """A locked test cell: the visible checks run inside `_checks()`; under
        `nbgrader autograde` the hidden region swaps `_checks` for one that
        returns this cell's score from the hidden pytest checks (partial credit).
        The region imports the installed grader and searches no paths; without
        it, it fails closed (the cell raises, so nbgrader gives it 0)."""
        body = "\n".join(("    " + line) if line.strip() else "" for line in code.strip("\n").splitlines())
        source = (
            "def _checks():\n" + body + "\n\n"
            "### BEGIN HIDDEN TESTS\n"
            "try:\n"
            "    from autograder.nbgrader_bridge import hidden_score\n"
            "except ImportError:\n"
            f"    raise ImportError({MISSING_GRADER!r}) from None\n"
            f"_checks = hidden_score({gid!r}, _checks)\n"
            "### END HIDDEN TESTS\n"
            "_checks()"
        )
        points = assignments.Assignment(self.name).check_points()[gid]
        self.cells.append(new_code_cell(source, metadata=meta(gid, grade=True, locked=True, points=points)))
    def write(self, path):
        nb = new_notebook(cells=self.cells, metadata={
            "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
            "autograder": {"assignment": self.name},
        })
        for i, c in enumerate(nb.cells):
            c.id = f"{self.name[:12]}-{i:03d}".replace("_", "-")
        nbformat.validate(nb)
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, path)
