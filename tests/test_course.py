"""Course directories: found by their nbgrader_config.py, started by init-course."""

import subprocess
import sys

import pytest

from autograder import assignments, course
from tests import support


def test_a_course_is_found_from_any_folder_inside_it(tmp_path):
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n")
    inside = tmp_path / "submitted" / "ada" / "prediction"
    inside.mkdir(parents=True)
    found = course.find(inside)
    assert found.root == tmp_path.resolve()
    assert (found.source, found.release, found.submitted) == tuple(
        tmp_path.resolve() / d for d in ("source", "release", "submitted"))


def test_a_course_reads_its_own_folder_names_from_nbgrader_config(tmp_path):
    (tmp_path / "nbgrader_config.py").write_text(
        "c = get_config()\nc.CourseDirectory.source_directory = 'instructor'\n"
        "c.CourseDirectory.submitted_directory = 'handed_in'\n")
    found = course.Course.at(tmp_path)
    assert found.source.name == "instructor" and found.submitted.name == "handed_in"
    assert found.release.name == "release"


def test_outside_any_course_the_message_says_what_to_do(tmp_path):
    with pytest.raises(course.CourseNotFound, match="init-course"):
        course.find(tmp_path)
    with pytest.raises(course.CourseNotFound, match="--course DIR"):
        course.Course.at(tmp_path)


def test_this_checkouts_config_is_the_one_init_course_writes():
    """One home for a new course's config (and the limits in it come from Limits' defaults)."""
    assert (support.ROOT / "nbgrader_config.py").read_text() == course.config_text("module2-linear-regression")


def test_init_course_writes_every_source_notebook_and_refuses_to_overwrite(tmp_path):
    target = tmp_path / "my-course"
    written = course.init(target, "ml101")
    assert written[0] == target.resolve() / "nbgrader_config.py"
    assert 'course_id = "ml101"' in written[0].read_text()
    for name in assignments.NAMES:
        copy = target / "source" / name / f"{name}.ipynb"
        assert copy.read_bytes() == support.ROOT.joinpath("source", name, f"{name}.ipynb").read_bytes()
    with pytest.raises(FileExistsError, match="already holds a course"):
        course.init(target)


def test_assignments_take_notebooks_from_the_course_and_checks_from_the_package(tmp_path):
    course.init(tmp_path / "c")
    one = assignments.get("training_slope", tmp_path / "c")
    assert one.source_notebook == (tmp_path / "c").resolve() / "source" / "training_slope" / "training_slope.ipynb"
    assert one.checks_file == assignments.PACKAGE / "checks" / "training_slope.py"
    (one.source_notebook).unlink()
    with pytest.raises(assignments.UnknownAssignment, match="no source notebook for 'training_slope'"):
        assignments.get("training_slope", tmp_path / "c")


def test_init_course_then_release_from_inside_it_with_real_nbgrader(tmp_path):
    run = [sys.executable, "-m", "autograder"]
    done = subprocess.run([*run, "init-course", str(tmp_path / "c")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    done = subprocess.run([*run, "release", "prediction"], cwd=tmp_path / "c", capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    released = tmp_path / "c" / "release" / "prediction" / "prediction.ipynb"
    assert released.read_bytes() == support.ROOT.joinpath("release", "prediction", "prediction.ipynb").read_bytes()
    again = subprocess.run([*run, "init-course", str(tmp_path / "c")], capture_output=True, text=True)
    assert again.returncode == 2 and "already holds a course" in again.stderr
