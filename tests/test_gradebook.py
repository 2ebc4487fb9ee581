"""`grade --gradebook` fills nbgrader's own gradebook, which nbgrader then exports."""

import os
import shutil
import subprocess
import sys

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

    env = dict(os.environ, PATH=f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ['PATH']}")
    os.environ["PATH"] = env["PATH"]
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
    assert float(rows["ada_perfect"]["score"]) == 15.0 and float(rows["chloe_sum_not_mean"]["score"]) == 11.0
    assert float(rows["ben_untouched"]["score"]) == 0.0


def test_grading_twice_updates_the_same_gradebook_rows(tmp_path):
    shutil.copytree(support.ROOT / "examples" / A / "ada_perfect", tmp_path / "submitted" / "ada_perfect")
    db = tmp_path / "gradebook.db"
    for _ in range(2):
        done = support.grade(A, tmp_path / "submitted", tmp_path / "out", extra=("--gradebook", str(db)))
        assert done.returncode == 0, done.stderr
    os.environ["PATH"] = f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ['PATH']}"
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{db}") as gb:
        assert len(gb.find_assignment(A).submissions) == 1
        assert gb.find_submission(A, "ada_perfect").score == 15.0
