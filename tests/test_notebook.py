"""Turning a submitted notebook into the program the grader runs."""

import nbformat
import pytest

from autograder.notebook import LoadError, build_program, read_source, read_submission, transform_ipython
from tests import support

A = "training_slope"
SOURCE = read_source(support.ROOT / "source" / A / f"{A}.ipynb")


def labels(program):
    return [c.label for c in program.cells]


def test_answers_come_from_the_student_and_locked_cells_from_the_source():
    nb = support.source_notebook(A)
    for cell in nb.cells:
        if support.grade_id(cell) == "forward":
            cell.source = "def forward(x):\n    return 42\n"
        if support.grade_id(cell) == "setup":
            cell.source = "w = 'tampered'"
    program = build_program(nb, SOURCE)
    by_label = {c.label: c for c in program.cells}
    assert "return 42" in by_label["forward"].source
    assert "torch.manual_seed(0)" in by_label["setup"].source
    assert any("edited the locked provided cell `setup`" in n for n in program.notes)
    assert not any(c.label.startswith("test_") for c in program.cells), "test cells are not executed"


def test_moved_cells_run_in_source_order_and_extra_cells_stay_after_their_neighbour():
    nb = support.source_notebook(A)
    forward = next(c for c in nb.cells if support.grade_id(c) == "forward")
    nb.cells.remove(forward)
    nb.cells.append(forward)
    position = next(i for i, c in enumerate(nb.cells) if support.grade_id(c) == "criterion")
    nb.cells.insert(position + 1, nbformat.v4.new_code_cell("helper = 1"))
    order = labels(build_program(nb, SOURCE))
    assert order.index("setup") < order.index("forward") < order.index("criterion")
    assert order.index("criterion") < order.index("extra cell 1") < order.index("backward_update")


def test_deleted_locked_cells_are_restored_and_missing_answers_reported():
    nb = support.source_notebook(A)
    nb.cells = [c for c in nb.cells if support.grade_id(c) not in ("setup", "zero_grad")]
    program = build_program(nb, SOURCE)
    assert "setup" in labels(program)
    assert program.missing_answers == ["zero_grad"]


def test_a_notebook_stripped_of_nbgrader_metadata_is_matched_by_what_it_defines():
    nb = support.source_notebook(A)
    for cell in nb.cells:
        cell.metadata = {}
    program = build_program(nb, SOURCE)
    assert program.missing_answers == []
    assert [c.label for c in program.cells if c.origin == "answer"] == [
        "forward", "criterion", "backward_update", "zero_grad", "train_model", "plot_loss"]


def test_ipython_syntax_becomes_plain_python():
    code = transform_ipython("%matplotlib inline\n!pip list\nx = 1\n")
    compile(code, "<cell>", "exec")
    assert "get_ipython()" in code and "x = 1" in code


def test_old_notebook_formats_are_upgraded(tmp_path):
    nb = support.source_notebook(A)
    path = tmp_path / "old.ipynb"
    nbformat.write(nbformat.v4.upgrade(nb), str(path))
    nb4 = read_submission(path)
    assert nb4.nbformat == 4


@pytest.mark.parametrize("content, words", [
    (b"", "empty"), (b"{", "truncated"), (b"hello", "plain text"), (b"[1, 2]", "not a Jupyter notebook"),
])
def test_unreadable_files_raise_a_load_error_saying_why(tmp_path, content, words):
    path = tmp_path / "x.ipynb"
    path.write_bytes(content)
    with pytest.raises(LoadError, match=words):
        read_submission(path)
