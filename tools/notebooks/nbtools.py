import nbformat
from nbformat.v4 import new_notebook, new_markdown_cell, new_code_cell

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
    def answer(self, gid, code):
        self.cells.append(new_code_cell(code.strip("\n"), metadata=meta(gid, solution=True)))
    def test(self, gid, points, code):
        """A locked test cell: the visible checks run inside `_checks()`; under
        `nbgrader autograde` the hidden region swaps `_checks` for one that
        returns this cell's score from the hidden pytest checks (partial credit)."""
        body = "\n".join(("    " + line) if line.strip() else "" for line in code.strip("\n").splitlines())
        source = (
            "def _checks():\n" + body + "\n\n"
            "### BEGIN HIDDEN TESTS\n"
            "import pathlib as _pl, sys as _sys\n"
            "_sys.path[:0] = [str(p) for p in [_pl.Path.cwd(), *_pl.Path.cwd().parents] if (p / 'autograder' / 'nbgrader_bridge.py').is_file()][:1]\n"
            "from autograder.nbgrader_bridge import hidden_score\n"
            f"_checks = hidden_score({gid!r}, _checks)\n"
            "### END HIDDEN TESTS\n"
            "_checks()"
        )
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
        nbformat.write(nb, path)
