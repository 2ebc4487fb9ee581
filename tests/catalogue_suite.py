"""The end-to-end tests every assignment gets, built for one assignment.

A ``tests/test_<a>.py`` module is just::

    globals().update(suite("<a>", min_mistakes=10, min_variants=6))

It grades, through the real command line, the solution notebook, the
untouched release and every catalogued mistake and correct variant, then
checks each result.
"""

import importlib

import pytest

from tests import support


def suite(assignment: str, *, min_mistakes: int, min_variants: int, diverges: str = "",
          ends_elsewhere: str = "") -> dict:
    """``diverges`` and ``ends_elsewhere`` name two mistakes whose training the lab's ``test_converged``
    must call diverged and ended elsewhere (labs with a trained-parameters check)."""
    catalogue = importlib.import_module(f"tests.catalogue.{assignment}")
    mistakes, variants = catalogue.MISTAKES, catalogue.VARIANTS
    whole_notebook = {"test_converged"}

    @pytest.fixture(scope="module")
    def graded(tmp_path_factory):
        root = tmp_path_factory.mktemp(assignment)
        submitted, out = root / "submitted", root / "out"
        support.write(submitted, "solutions", assignment, support.source_notebook(assignment))
        support.write(submitted, "untouched", assignment, support.release_notebook(assignment))
        for case in mistakes + variants:
            support.write(submitted, case.name, assignment, support.build(assignment, case))
        done = support.grade(assignment, submitted, out)
        assert done.returncode == 0, done.stderr
        return out

    def test_solutions_get_full_marks(graded):
        support.assert_full_marks(assignment, support.results(graded, "solutions"), "solutions")

    def test_untouched_release_gets_zero_with_stub_messages(graded):
        result = support.results(graded, "untouched")
        assert result["score"] == 0
        assert all(v == 0 for v in support.cell_scores(result).values())
        outputs = [t["output"] for t in result["tests"] if t["extra_data"]["grade_id"] not in whole_notebook]
        assert outputs and all("NotImplementedError" in o for o in outputs)

    @pytest.mark.parametrize("case", mistakes, ids=lambda c: c.name)
    def test_mistake_costs_points_only_in_its_own_cell(graded, case):
        support.assert_mistake(assignment, support.results(graded, case.name), case)

    @pytest.mark.parametrize("case", variants, ids=lambda c: c.name)
    def test_correct_variant_gets_full_marks(graded, case):
        support.assert_full_marks(assignment, support.results(graded, case.name), case.name)

    def test_catalogue_is_big_and_varied():
        assert len(mistakes) >= min_mistakes and len(variants) >= min_variants
        names = [c.name for c in mistakes + variants]
        assert len(set(names)) == len(names)
        codes = [tuple(sorted(c.answers.items())) + c.extra_cells for c in mistakes + variants]
        assert len(set(codes)) == len(codes), "two catalogue entries are the same submission"

    def test_grades_csv_has_a_row_and_cell_columns_per_student(graded):
        lines = (graded / "grades.csv").read_text().splitlines()
        header = lines[0].split(",")
        assert header[:4] == ["student_id", "assignment", "score", "max_score"]
        assert header[4:] == list(support.cell_max(assignment))
        assert len(lines) == 1 + 2 + len(mistakes) + len(variants)
        solutions = next(line for line in lines if line.startswith("solutions,")).split(",")
        assert float(solutions[2]) == float(solutions[3]) == sum(support.cell_max(assignment).values())

    if diverges:
        def test_converged_tells_a_diverged_training_from_one_that_ended_elsewhere(graded):
            """The whole-notebook check says which way training went wrong and which cells decide it."""
            [diverged] = support.failed_messages(support.results(graded, diverges), whole_notebook)
            assert "training diverged" in diverged and "backward_update" in diverged
            [elsewhere] = support.failed_messages(support.results(graded, ends_elsewhere), whole_notebook)
            assert "should end at w = " in elsewhere and "not enough" in elsewhere and "diverged" not in elsewhere

    return {name: value for name, value in locals().items() if name.startswith("test_") or name == "graded"}
