"""Finding each student's notebook in the submitted/ directory."""

from autograder.grade import discover, find_notebook

A = "training_slope"


def touch(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{}")
    return path


def test_nbgraders_layout_is_used_first(tmp_path):
    exact = touch(tmp_path / "ann" / A / f"{A}.ipynb")
    touch(tmp_path / "ann" / A / "scratch.ipynb")
    assert find_notebook(tmp_path / "ann", A).path == exact


def test_a_notebook_renamed_by_a_download_or_an_lms_is_found(tmp_path):
    for student, name in [("bo", f"{A} (1).ipynb"), ("cy", f"Copy of {A}.ipynb"), ("di", "Training-Slope.ipynb")]:
        path = touch(tmp_path / student / A / name)
        assert find_notebook(tmp_path / student, A).path == path, name


def test_the_only_notebook_of_a_flat_folder_is_taken(tmp_path):
    path = touch(tmp_path / "ed" / "my_lab.ipynb")
    touch(tmp_path / "ed" / ".ipynb_checkpoints" / "my_lab-checkpoint.ipynb")
    assert find_notebook(tmp_path / "ed", A).path == path


def test_ambiguous_or_missing_notebooks_are_explained(tmp_path):
    touch(tmp_path / "fi" / A / "a.ipynb")
    touch(tmp_path / "fi" / A / "b.ipynb")
    found = find_notebook(tmp_path / "fi", A)
    assert found.path is None and "several notebooks" in found.problem
    (tmp_path / "gu").mkdir()
    assert "No notebook was found" in find_notebook(tmp_path / "gu", A).problem


def test_every_student_folder_is_a_submission_and_hidden_ones_are_ignored(tmp_path):
    touch(tmp_path / "ann" / A / f"{A}.ipynb")
    (tmp_path / "bob").mkdir()
    (tmp_path / ".cache").mkdir()
    (tmp_path / "stray.txt").write_text("x")
    assert [s.student_id for s in discover(tmp_path, A)] == ["ann", "bob"]


def test_a_labs_fingerprint_covers_the_checks_it_borrows_from_another_lab(monkeypatch):
    """training_slope_bias runs checks defined in training_slope.py and steps.py:
    editing those must regrade its results too."""
    from pathlib import Path

    from autograder import assignments
    from autograder.fingerprint import grader_fingerprint

    read = []
    original = Path.read_bytes

    def logged(path):
        read.append(path.resolve())
        return original(path)

    monkeypatch.setattr(Path, "read_bytes", logged)
    grader_fingerprint(assignments.get("training_slope_bias"))
    checks = assignments.PROJECT_ROOT / "autograder" / "checks"
    assert {checks / "training_slope_bias.py", checks / "training_slope.py", checks / "steps.py"} <= set(read)
