"""A provided (locked) cell that fails on what a student's cells made is reported in the course's terms.

The invariant the other way round (what the hidden checks accept runs through
every locked cell) is asserted for every correct variant and solution of every
catalogue, in ``support.assert_full_marks``.
"""

from tests import support

A = "training_slope"


def test_a_provided_cell_that_fails_on_the_students_cost_is_explained_once(tmp_path):
    per_sample = support.Case("per_sample", {"criterion": "def criterion(yhat, y):\n    return (yhat - y) ** 2\n"})
    support.write(tmp_path / "submitted", "per_sample", A, support.build(A, per_sample))
    done = support.grade(A, tmp_path / "submitted", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    output = support.results(tmp_path / "out", "per_sample")["output"]
    assert "The provided cell `run_training` raised RuntimeError" in output
    assert "needs the cost as one number" in output
    assert output.count("The provided cell") == 1  # the later cells' failures follow from it
