"""Each writer of report.WRITERS alone, against a golden file.

A fixed SubmissionResult is built here and each writer's output compared
byte for byte with ``tests/golden/writers/<file>``. After a deliberate change
to a writer, regenerate the goldens and review their diff:

    AUTOGRADER_REGOLDEN=1 .venv/bin/python -m pytest -q tests/test_report.py
"""

import json
import os
from pathlib import Path

import pytest

from autograder import report
from autograder.results import CheckResult, GradeRow, SubmissionResult

GOLDEN = Path(__file__).parent / "golden" / "writers"
REGOLDEN = bool(os.environ.get("AUTOGRADER_REGOLDEN"))


def graded() -> SubmissionResult:
    checks = [CheckResult("test_forward_computes_slope_times_input", "test_forward", 1.0, True),
              CheckResult("test_criterion_is_mean_squared_error", "test_criterion", 1.0, False,
                          "criterion returned 60x the expected value: sum instead of mean?", "sum instead of mean"),
              CheckResult("test_criterion_sends_the_gradient_back", "test_criterion", 1.0, False,
                          "criterion returned 60x the expected value: sum instead of mean?"),
              CheckResult("test_plot_loss_labels_<both>_axes", "test_plot_loss", 2.0, False,
                          "plot_loss raised ValueError: x & y.\nWhere it happened:\n  line 3")]
    return SubmissionResult("chloé", "training_slope", checks,
                            {"test_forward": 1.0, "test_criterion": 2.0, "test_plot_loss": 2.0, "test_converged": 2.0},
                            notes=["The cell `train` did not finish within 3 s and was stopped; the rest of the "
                                   "notebook was graded without it."],
                            seconds=0.1235, isolation="namespace", key="0123456789abcdef-fedcba9876543210")


def not_graded() -> SubmissionResult:
    return SubmissionResult("zed", "training_slope", cells={"test_forward": 1.0, "test_criterion": 2.0},
                            load_error="zed.ipynb is empty (0 bytes): the notebook was not saved before submitting.",
                            seconds=0.01, isolation="uid")


def rendered(writer: report.Writer) -> str:
    if writer.file == "grades.csv":
        return writer.render([GradeRow.of(not_graded()), GradeRow.of(graded())], list(graded().cells))
    if writer.file == "gradebook":
        return "".join(writer.render(r, g, p) for r in (graded(), not_graded()) for g, p in r.cells.items())
    return writer.render(graded()) + "\n----\n" + writer.render(not_graded())


def test_every_output_file_is_declared_once():
    files = [w.file for w in report.WRITERS]
    assert len(files) == len(set(files))
    assert set(files) == {"results.json", "feedback.html", "grades.csv", "gradebook", "feedback.json"}


@pytest.mark.parametrize("writer", report.WRITERS, ids=lambda w: w.file)
def test_writer_matches_its_golden_file(writer):
    golden = GOLDEN / (writer.file if "." in writer.file else f"{writer.file}.txt")
    text = rendered(writer)
    if REGOLDEN:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(text.encode("utf-8"))
    assert text.encode("utf-8") == golden.read_bytes(), "regenerate with AUTOGRADER_REGOLDEN=1 if intended"


def test_results_json_is_what_to_json_holds_and_reads_back():
    text = report.results_text(graded())
    assert json.loads(text) == graded().to_json() and text.endswith("}\n")
    assert SubmissionResult.from_json(json.loads(text)) == graded()


def test_feedback_never_shows_a_message_twice_in_a_row_of_one_cause():
    page = report.feedback_html(graded())
    assert page.count("sum instead of mean?") == 1 and "(for the same reason as above)" in page
    assert "&lt;both&gt;" in page and "x &amp; y" in page


def test_coursera_gets_the_fraction_of_the_points():
    assert json.loads(report.coursera_feedback(graded()))["fractionalScore"] == round(1 / 7, 4)
    assert json.loads(report.coursera_feedback(not_graded()))["fractionalScore"] == 0.0


def test_student_files_are_written_atomically_and_give_the_row(tmp_path):
    row = report.write_student_files(tmp_path, graded())
    assert row == GradeRow.of(graded())
    assert (tmp_path / "chloé" / "results.json").read_text() == report.results_text(graded())
    assert (tmp_path / "chloé" / "feedback.html").read_text() == report.feedback_html(graded())
    assert not list(tmp_path.rglob("*.tmp"))
