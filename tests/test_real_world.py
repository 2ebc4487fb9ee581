"""Notebooks as real classes submit them: renamed, saved by other tools, with
cells moved, duplicated, split or added, huge outputs, non-ASCII text, edited
locked cells. Each is graded fairly (or gets a clear reason) in one batch with
a control that must keep full marks."""

import base64
import copy

import nbformat
import pytest

from tests import support

A = "training_slope"
FULL = sum(support.cell_max(A).values())


def solution():
    return support.source_notebook(A)


def as_release_student(nb):
    """What a student who filled in every answer correctly submits (release test cells)."""
    released = {support.grade_id(c): c.source for c in support.release_notebook(A).cells}
    for cell in nb.cells:
        gid = support.grade_id(cell)
        if gid and gid.startswith("test_"):
            cell.source = released[gid]
    return nb


def cell_index(nb, gid):
    return next(i for i, c in enumerate(nb.cells) if support.grade_id(c) == gid)


def old_format(nb):
    nb = copy.deepcopy(nb)
    nb.nbformat_minor = 0
    for cell in nb.cells:
        cell.pop("id", None)
    return nbformat.writes(nb, version=4)


def jupyterlab4(nb):
    nb = copy.deepcopy(nb)
    for i, cell in enumerate(nb.cells):
        cell.metadata["trusted"] = True
        cell.metadata["jupyter"] = {"source_hidden": False, "outputs_hidden": False}
        if cell.cell_type == "code":
            cell.metadata["execution"] = {"iopub.execute_input": "2026-11-20T10:00:00Z"}
            cell.execution_count = i
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    return nb


def vscode(nb):
    nb = copy.deepcopy(nb)
    for i, cell in enumerate(nb.cells):
        cell.id = f"vscode-{i:04x}"
        cell.metadata["vscode"] = {"languageId": "python"}
    nb.metadata["vscode"] = {"interpreter": {"hash": "abc123"}}
    nb.metadata.pop("kernelspec", None)
    return nb


def colab(nb):
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        cell.metadata = {"id": "x" + str(abs(hash(cell.source)))[:8], "colab": {"base_uri": "https://localhost/"}}
    nb.metadata = {"colab": {"provenance": []}, "kernelspec": {"name": "python3", "display_name": "Python 3"},
                   "accelerator": "GPU"}
    return nb


def moved(nb):
    nb = copy.deepcopy(nb)
    forward = nb.cells.pop(cell_index(nb, "forward"))
    nb.cells.append(forward)
    zero = nb.cells.pop(cell_index(nb, "zero_grad"))
    nb.cells.insert(2, zero)
    return nb


def duplicated(nb):
    nb = copy.deepcopy(nb)
    i = cell_index(nb, "criterion")
    wrong = copy.deepcopy(nb.cells[i])
    wrong.id = "earlier-attempt"
    wrong.source = "def criterion(yhat, y):\n    return torch.sum((yhat - y) ** 2)\n"
    nb.cells.insert(i, wrong)  # an earlier wrong attempt; the later, right one wins as in Jupyter
    return nb


def split(nb):
    nb = copy.deepcopy(nb)
    i = cell_index(nb, "criterion")
    nb.cells[i].source = "import torch.nn as nn\nmse = nn.MSELoss()"
    nb.cells.insert(i + 1, nbformat.v4.new_code_cell("def criterion(yhat, y):\n    return mse(yhat, y)\n"))
    return nb


def extra_cells(nb):
    nb = copy.deepcopy(nb)
    nb.cells.insert(3, nbformat.v4.new_code_cell("print(X.shape, Y.shape)\nX[:3]"))
    nb.cells.insert(cell_index(nb, "train_model") + 1, nbformat.v4.new_code_cell(
        "# trying things out\nfor lr in [0.01, 0.1]:\n    print(lr)\nmy_w = w.item()"))
    nb.cells.append(nbformat.v4.new_markdown_cell("## My notes\nThe cost fell quickly."))
    return nb


def huge_outputs(nb):
    nb = copy.deepcopy(nb)
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(3_000_000)).decode()
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="x" * 2_000_000),
                            nbformat.v4.new_output("display_data", data={"image/png": png})]
    return nb


def non_ascii(nb):
    nb = copy.deepcopy(nb)
    i = cell_index(nb, "forward")
    nb.cells[i].source = "# prédiction: ŷ = w·x  — 预测 ✓\ndef forward(x):\n    \"\"\"Renvoie ŷ.\"\"\"\n    return w * x\n"
    nb.cells.insert(i, nbformat.v4.new_markdown_cell("Notes d'Élodie: 斜率 w 🙂"))
    return nb


def edits_locked_cells(nb):
    nb = copy.deepcopy(nb)
    nb.cells[cell_index(nb, "setup")].source = ("torch.manual_seed(0)\nw = torch.tensor(-3.0, requires_grad=True)\n"
                                                "X = torch.arange(-3, 3, 0.1).view(-1, 1)\nY = -3 * X\n")
    nb.cells[cell_index(nb, "test_forward")].source = "print('all good')"
    return nb


def untouched_with_edited_tests():
    nb = support.release_notebook(A)
    for cell in nb.cells:
        if (support.grade_id(cell) or "").startswith("test_"):
            cell.source = "print('passed!')\n15"
    return nb


CASES = {
    # student: (where the file goes, notebook or text)
    "control": ("training_slope/training_slope.ipynb", as_release_student(solution())),
    "renamed_by_download": ("training_slope/training_slope (1).ipynb", as_release_student(solution())),
    "copy_of": ("training_slope/Copy of training_slope.ipynb", as_release_student(solution())),
    "flat_folder_other_name": ("lab2.ipynb", as_release_student(solution())),
    "nbformat_4_0": ("training_slope/training_slope.ipynb", old_format(as_release_student(solution()))),
    "saved_by_jupyterlab4": ("training_slope/training_slope.ipynb", jupyterlab4(as_release_student(solution()))),
    "saved_by_vscode": ("training_slope/training_slope.ipynb", vscode(as_release_student(solution()))),
    "saved_by_colab": ("training_slope/training_slope.ipynb", colab(as_release_student(solution()))),
    "answer_cells_moved": ("training_slope/training_slope.ipynb", moved(as_release_student(solution()))),
    "answer_cell_duplicated": ("training_slope/training_slope.ipynb", duplicated(as_release_student(solution()))),
    "answer_cell_split": ("training_slope/training_slope.ipynb", split(as_release_student(solution()))),
    "extra_student_cells": ("training_slope/training_slope.ipynb", extra_cells(as_release_student(solution()))),
    "huge_outputs_and_images": ("training_slope/training_slope.ipynb", huge_outputs(as_release_student(solution()))),
    "non_ascii_text": ("training_slope/training_slope.ipynb", non_ascii(as_release_student(solution()))),
    "edits_locked_cells": ("training_slope/training_slope.ipynb", edits_locked_cells(as_release_student(solution()))),
    "untouched_but_tests_edited": ("training_slope/training_slope.ipynb", untouched_with_edited_tests()),
}
FULL_MARKS = [name for name in CASES if name not in ("untouched_but_tests_edited",)]


def write_submissions(submitted, out=None, prefix=""):
    """Write every case; returns {path: bytes written} to check nothing modifies them."""
    digests = {}
    for student, (where, content) in CASES.items():
        path = submitted / (prefix + student) / where
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content if isinstance(content, str) else nbformat.writes(content), encoding="utf-8")
        digests[path] = path.read_bytes()
    return digests


#: What each student of this module must get (see tests/test_mixed_class.py).
EXPECTED = {**{name: "full" for name in FULL_MARKS}, "untouched_but_tests_edited": "zero"}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("real_world")
    submitted, out = root / "submitted", root / "out"
    digests = write_submissions(submitted, out)
    done = support.grade(A, submitted, out)
    assert done.returncode == 0, done.stderr
    return out, digests


@pytest.mark.parametrize("student", FULL_MARKS)
def test_a_real_world_notebook_is_graded_fairly(graded, student):
    out, _ = graded
    support.assert_full_marks(A, support.results(out, student), student)


def test_editing_locked_cells_is_reported_and_changes_nothing(graded):
    out, _ = graded
    result = support.results(out, "edits_locked_cells")
    assert "edited the locked provided cell `setup`" in result["output"]
    assert "edited the locked test cell `test_forward`" in result["output"]


def test_editing_test_cells_cannot_raise_a_score(graded):
    out, _ = graded
    assert support.results(out, "untouched_but_tests_edited")["score"] == 0


def test_submissions_are_never_modified(graded):
    _, digests = graded
    for path, content in digests.items():
        assert path.read_bytes() == content, path
