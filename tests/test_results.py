"""The one result type: SubmissionResult.to_json / from_json round-trip what results.json holds.

``tests/golden/results/`` holds results.json files written by real grading (the
fixed class of ``tools/same_results.py``); ``AUTOGRADER_RESULTS_DIR=OUT`` adds
every ``OUT/**/results.json`` of a grading run of your own.
"""

import dataclasses
import json
import os
from pathlib import Path

import pytest

from autograder.results import CheckResult, GradeRow, SubmissionResult

GOLDEN = Path(__file__).parent / "golden" / "results"
EXTRA = os.environ.get("AUTOGRADER_RESULTS_DIR")
FILES = sorted(GOLDEN.glob("*.json")) + (sorted(Path(EXTRA).glob("**/results.json")) if EXTRA else [])


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem if p.parent == GOLDEN else str(p))
def test_a_written_results_json_round_trips_exactly(path):
    data = json.loads(path.read_text())
    result = SubmissionResult.from_json(data)
    assert result.to_json() == data
    assert result.score == data["score"] and result.max_score == data["max_score"]
    assert result.cell_scores() == data["extra_data"]["cells"]
    assert [c.mistake for c in result.checks] == [t["extra_data"].get("mistake") for t in data["tests"]]


def test_the_golden_files_cover_notes_mistakes_and_failures():
    results = [SubmissionResult.from_json(json.loads(p.read_text())) for p in GOLDEN.glob("*.json")]
    assert any(len(r.notes) > 1 for r in results)
    assert any(c.mistake for r in results for c in r.checks)
    assert any(not c.passed for r in results for c in r.checks) and any(r.score == r.max_score for r in results)


def _made(**changes) -> SubmissionResult:
    checks = [CheckResult("test_a_is_right", "test_a", 1.0, True),
              CheckResult("test_a_is_mean", "test_a", 2.0, False, "sum instead of mean?\nline two", "sum not mean"),
              CheckResult("test_b_runs", "test_b", 1.5, False, "it raised")]
    base = dict(student_id="kim", assignment="training_slope", checks=checks,
                cells={"test_a": 3.0, "test_b": 1.5, "test_c": 2.0},
                notes=["The cell `forward` did not finish within 3 s and was stopped; the rest of the notebook "
                       "was graded without it.", "second note"], seconds=1.23456, isolation="namespace", key="k-1")
    base.update(changes)
    return SubmissionResult(**base)


def test_a_made_result_comes_back_equal_but_for_its_time_rounded():
    made = _made()
    assert SubmissionResult.from_json(made.to_json()) == dataclasses.replace(made, seconds=1.2346)


def test_a_result_that_could_not_be_graded_keeps_its_total_and_cells():
    made = _made(checks=[], notes=[], load_error="x.ipynb is empty (0 bytes)", key="")
    back = SubmissionResult.from_json(made.to_json())
    assert back.to_json() == made.to_json()
    assert back.max_score == 6.5 and list(back.cells) == ["test_a", "test_b", "test_c"]
    assert back.load_error == made.load_error


@pytest.mark.parametrize("broken", [{"output": None}, {"extra_data": {}}, [], {"tests": "x"}])
def test_anything_else_is_refused(broken):
    data = _made().to_json()
    if isinstance(broken, dict):
        data.update(broken)
    else:
        data = broken
    with pytest.raises((KeyError, TypeError, ValueError, AttributeError)):
        SubmissionResult.from_json(data)


def test_an_output_that_does_not_list_the_cells_is_refused():
    data = _made().to_json()
    data["output"] = "something else"
    with pytest.raises(ValueError):
        SubmissionResult.from_json(data)


def test_a_grade_row_holds_the_rounded_scores_of_the_result():
    row = GradeRow.of(_made())
    assert (row.student_id, row.score, row.max_score) == ("kim", 1.0, 6.5)
    assert row.cells == {"test_a": 1.0, "test_b": 0.0, "test_c": 0.0}
    assert row.isolation == "namespace" and row.load_error is None
