"""`grade --gradebook` fills nbgrader's own gradebook, which nbgrader then exports."""

import shutil
import subprocess
import sys

from autograder.gradebook import nbgrader_env
from tests import support

A = "training_slope"
STUDENTS = ("ada_perfect", "chloe_sum_not_mean", "ben_untouched")


def test_scores_land_in_nbgraders_gradebook_and_export(tmp_path):
    for student in STUDENTS:
        shutil.copytree(support.ROOT / "examples" / A / student, tmp_path / "submitted" / student)
    db = tmp_path / "gradebook.db"
    done = support.grade(A, tmp_path / "submitted", tmp_path / "out", extra=("--gradebook", str(db)))
    assert done.returncode == 0, done.stderr
    assert f"wrote {len(STUDENTS)} student(s)" in done.stdout

    env = nbgrader_env()
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{db}") as gb:
        for student in STUDENTS:
            ours = support.cell_scores(support.results(tmp_path / "out", student))
            notebook = gb.find_submission_notebook(A, A, student)
            theirs = {g.name: float(g.score) for g in notebook.grades}
            assert theirs == ours

    shutil.copy(support.ROOT / "nbgrader_config.py", tmp_path)
    export = subprocess.run([sys.executable, "-m", "nbgrader", "export", f"--db=sqlite:///{db}",
                             f"--CourseDirectory.root={tmp_path}"], cwd=tmp_path, env=env,
                            capture_output=True, text=True)
    assert export.returncode == 0, export.stderr
    import csv

    rows = {r["student_id"]: r for r in csv.DictReader((tmp_path / "grades.csv").read_text().splitlines())}
    assert set(rows) == set(STUDENTS)
    assert all(float(rows[s]["score"]) == score for s, score in support.EXAMPLE_SCORES.items())
    assert float(rows["ben_untouched"]["score"]) == 0.0


def _formgrader_submissions(course, db):
    """What formgrader lists for the notebook: nbgrader's own API, which skips
    submissions whose autograded notebook is not on disk."""
    from nbgrader.apps.api import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config

    config = Config()
    config.CourseDirectory.root = str(course)
    config.CourseDirectory.db_url = f"sqlite:///{db}"
    api = NbGraderAPI(CourseDirectory(config=config), config=config)
    return {s["student"]: s for s in api.get_notebook_submissions(A, A)}


def test_formgrader_and_generate_feedback_see_every_graded_notebook(tmp_path):
    import nbformat

    for student in STUDENTS:
        shutil.copytree(support.ROOT / "examples" / A / student, tmp_path / "submitted" / student)
    chloe = tmp_path / "submitted" / "chloe_sum_not_mean" / A / f"{A}.ipynb"
    nb = nbformat.read(chloe, as_version=4)
    tests = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_criterion"]
    tests[0].source = "pass  # edited by the student"
    nbformat.write(nb, chloe)
    (chloe.parent / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC")
    answerless = tmp_path / "submitted" / "hal_deleted_his_answers" / A / f"{A}.ipynb"
    answerless.parent.mkdir(parents=True)
    nb.cells = [c for c in nb.cells if not c.metadata.get("nbgrader", {}).get("solution")]
    nbformat.write(nb, answerless)
    db = tmp_path / "gradebook.db"
    done = support.grade(A, tmp_path / "submitted", tmp_path / "out", extra=("--gradebook", str(db)))
    assert done.returncode == 0, done.stderr
    nbgrader_env()

    listed = _formgrader_submissions(tmp_path, db)
    assert set(listed) == {*STUDENTS, "hal_deleted_his_answers"}
    assert listed["ada_perfect"]["score"] == 15.0 and not listed["ada_perfect"]["failed_tests"]
    assert listed["chloe_sum_not_mean"]["failed_tests"]

    autograded = nbformat.read(tmp_path / "autograded" / "chloe_sum_not_mean" / A / f"{A}.ipynb", as_version=4)
    source = {c.metadata["nbgrader"]["grade_id"]: c for c in nbformat.read(support.ROOT / "source" / A / f"{A}.ipynb",
                                                                            as_version=4).cells
              if "nbgrader" in c.metadata}
    cells = {c.metadata["nbgrader"]["grade_id"]: c for c in autograded.cells if "nbgrader" in c.metadata}
    assert cells["test_criterion"].source == source["test_criterion"].source, "locked cell not restored"
    said = "".join(o.get("text", "") for o in cells["test_criterion"].outputs)
    assert "test_criterion: 1 / 2 points" in said and "sum instead of mean" in said
    assert "All hidden checks passed" in "".join(o.get("text", "") for o in cells["test_forward"].outputs)
    answers = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert [cells[c.metadata["nbgrader"]["grade_id"]].source for c in answers] == [c.source for c in answers]
    assert all(not c.get("outputs") for c in autograded.cells
               if c.cell_type == "code" and not c.metadata["nbgrader"].get("grade_id", "").startswith("test_")
               if "nbgrader" in c.metadata)
    assert (tmp_path / "autograded" / "chloe_sum_not_mean" / A / "timestamp.txt").is_file()
    hal = nbformat.read(tmp_path / "autograded" / "hal_deleted_his_answers" / A / f"{A}.ipynb", as_version=4)
    hal_says = {c.metadata["nbgrader"]["grade_id"]: "".join(o.get("text", "") for o in c.outputs)
                for c in hal.cells if c.metadata.get("nbgrader", {}).get("grade")}
    assert set(hal_says) == set(support.cell_max(A))
    assert all(f"{g}: 0 / " in text and "could not be graded" in text for g, text in hal_says.items())

    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{db}") as gb:
        assert gb.find_submission(A, "chloe_sum_not_mean").timestamp.year == 2026

    shutil.copy(support.ROOT / "nbgrader_config.py", tmp_path)
    feedback = subprocess.run([sys.executable, "-m", "nbgrader", "generate_feedback", A, f"--db=sqlite:///{db}",
                               f"--CourseDirectory.root={tmp_path}"], cwd=tmp_path, capture_output=True, text=True)
    assert feedback.returncode == 0, feedback.stderr
    page = (tmp_path / "feedback" / "chloe_sum_not_mean" / A / f"{A}.html").read_text()
    assert "sum instead of mean? The cost is the average" in page


def test_grading_twice_updates_the_same_gradebook_rows(tmp_path):
    shutil.copytree(support.ROOT / "examples" / A / "ada_perfect", tmp_path / "submitted" / "ada_perfect")
    db = tmp_path / "gradebook.db"
    for _ in range(2):
        done = support.grade(A, tmp_path / "submitted", tmp_path / "out", extra=("--gradebook", str(db)))
        assert done.returncode == 0, done.stderr
    nbgrader_env()
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{db}") as gb:
        assert len(gb.find_assignment(A).submissions) == 1
        assert gb.find_submission(A, "ada_perfect").score == 15.0
