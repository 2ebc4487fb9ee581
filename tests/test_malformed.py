"""Files that are not a gradable notebook get a zero and a reason; the batch goes on."""

import json

import nbformat
import pytest

from tests import support

A = "training_slope"

BROKEN = {
    "empty_file": (b"", "is empty"),
    "truncated_json": (b'{"cells": [{"cell_type": "code", "source": "x = ', "truncated"),
    "plain_text": (b"def forward(x):\n    return w * x\n", "plain text"),
    "binary_file": (b"%PDF-1.4\n\xff\xfe\x00\x00binary", "not text"),
    "json_but_not_a_notebook": (json.dumps({"answer": 42}).encode(), "not a Jupyter notebook"),
}


def write_submissions(submitted, out=None, prefix=""):
    for name, (content, _) in BROKEN.items():
        support.write(submitted, prefix + name, A, content)
    other = support.source_notebook(A)
    other.metadata["autograder"] = {"assignment": "prediction"}
    support.write(submitted, prefix + "another_assignments_notebook", A, other)
    (submitted / (prefix + "no_notebook") / A).mkdir(parents=True)
    (submitted / (prefix + "no_notebook") / A / "notes.txt").write_text("forgot to attach")
    no_answers = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('hello')")])
    support.write(submitted, prefix + "notebook_without_answers", A, no_answers)
    support.write(submitted, prefix + "good", A, support.source_notebook(A))


#: What each student of this module must get (see tests/test_mixed_class.py).
EXPECTED = {**{name: "not graded" for name in BROKEN}, "another_assignments_notebook": "not graded",
            "no_notebook": "not graded", "notebook_without_answers": "not graded", "good": "full"}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("malformed")
    submitted, out = root / "submitted", root / "out"
    write_submissions(submitted, out)
    done = support.grade(A, submitted, out)
    return done, out


def test_the_command_exits_zero_when_every_submission_got_a_result(graded):
    done, _ = graded
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_broken_file_gets_zero_and_says_why(graded, name):
    _, out = graded
    result = support.results(out, name)
    assert result["score"] == 0 and result["tests"] == []
    assert BROKEN[name][1] in result["output"]
    assert set(support.cell_scores(result)) == set(support.cell_max(A))


@pytest.mark.parametrize("name, words", [
    ("another_assignments_notebook", "notebook of the `prediction` assignment"),
    ("no_notebook", "No notebook was found"),
    ("notebook_without_answers", "None of the answer cells"),
])
def test_the_wrong_notebook_gets_zero_and_says_why(graded, name, words):
    _, out = graded
    result = support.results(out, name)
    assert result["score"] == 0
    assert words in result["output"]


def test_a_good_submission_in_the_same_batch_is_graded_normally(graded):
    _, out = graded
    support.assert_full_marks(A, support.results(out, "good"), "good")
    rows = (out / "grades.csv").read_text().splitlines()
    assert len(rows) == 1 + len(BROKEN) + 4


def test_an_unknown_assignment_or_missing_directory_is_a_grader_error(tmp_path):
    done = support.grade("no_such_assignment", tmp_path, tmp_path / "out")
    assert done.returncode == 2 and "unknown assignment" in done.stderr
    done = support.grade(A, tmp_path / "missing", tmp_path / "out")
    assert done.returncode == 2 and "is not a directory" in done.stderr
