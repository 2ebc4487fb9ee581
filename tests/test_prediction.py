"""prediction graded end to end: solutions, untouched release, the catalogue."""

import pytest

from tests import support
from tests.catalogue.prediction import MISTAKES, VARIANTS

A = "prediction"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp(A)
    submitted, out = root / "submitted", root / "out"
    support.write(submitted, "solutions", A, support.source_notebook(A))
    support.write(submitted, "untouched", A, support.release_notebook(A))
    for case in MISTAKES + VARIANTS:
        support.write(submitted, case.name, A, support.build(A, case))
    done = support.grade(A, submitted, out)
    assert done.returncode == 0, done.stderr
    return out


def test_solutions_get_full_marks(graded):
    support.assert_full_marks(A, support.results(graded, "solutions"), "solutions")


def test_untouched_release_gets_zero_with_stub_messages(graded):
    result = support.results(graded, "untouched")
    assert result["score"] == 0
    assert all(v == 0 for v in support.cell_scores(result).values())
    outputs = [t["output"] for t in result["tests"]]
    assert outputs and all("NotImplementedError" in o for o in outputs)


@pytest.mark.parametrize("case", MISTAKES, ids=lambda c: c.name)
def test_mistake_costs_points_only_in_its_own_cell(graded, case):
    support.assert_mistake(A, support.results(graded, case.name), case)


@pytest.mark.parametrize("case", VARIANTS, ids=lambda c: c.name)
def test_correct_variant_gets_full_marks(graded, case):
    support.assert_full_marks(A, support.results(graded, case.name), case.name)


def test_catalogue_is_big_and_varied():
    assert len(MISTAKES) >= 10 and len(VARIANTS) >= 6
    names = [c.name for c in MISTAKES + VARIANTS]
    assert len(set(names)) == len(names)
    codes = [tuple(sorted(c.answers.items())) + c.extra_cells for c in MISTAKES + VARIANTS]
    assert len(set(codes)) == len(codes)


def test_grades_csv_has_a_row_and_cell_columns_per_student(graded):
    lines = (graded / "grades.csv").read_text().splitlines()
    header = lines[0].split(",")
    assert header[:4] == ["student_id", "assignment", "score", "max_score"]
    assert header[4:] == list(support.cell_max(A))
    assert len(lines) == 1 + 2 + len(MISTAKES) + len(VARIANTS)
    solutions = next(l for l in lines if l.startswith("solutions,")).split(",")
    assert solutions[2] == solutions[3] == str(int(sum(support.cell_max(A).values())))
