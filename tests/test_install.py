"""The grader as an instructor installs it: a wheel in an environment of its own,
used from a course directory that is not this checkout; and the environment a
student's kernel gets, which holds nothing of the grader's.

Both environments are real virtual environments made here:

* the grader's gets the wheel built from this tree, with ``--no-deps``; its
  dependencies come from the project's own environment through a ``.pth`` line
  (a path only: no editable install or other ``.pth`` of that environment runs);
* the student's gets ``requirements-student.txt``, as the README tells students.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from autograder import assignments
from tests import support

#: What the wheel is built from: the files a release of the grader holds.
SHIPPED = ("autograder", "solutions", "source", "pyproject.toml", "README.md")


def _run(command, cwd, env=None, timeout=1800) -> subprocess.CompletedProcess:
    done = subprocess.run([str(c) for c in command], cwd=cwd, capture_output=True, text=True, env=env,
                          timeout=timeout)
    assert done.returncode == 0, f"{command}:\n{done.stdout}\n{done.stderr}"
    return done


def _purelib(python: Path) -> Path:
    return Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], "/").stdout.strip())


@pytest.fixture(scope="module")
def grader_python(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("grader-env")
    tree = root / "tree"
    for item in SHIPPED:
        source = support.ROOT / item
        if source.is_dir():
            shutil.copytree(source, tree / item, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            tree.mkdir(exist_ok=True)
            shutil.copy(source, tree / item)
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", root / "dist", tree],
         root)
    wheel = next((root / "dist").glob("*.whl"))
    _run([sys.executable, "-m", "venv", root / "venv"], root)
    python = root / "venv" / "bin" / "python"
    (_purelib(python) / "_project_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run([python, "-m", "pip", "install", "--no-deps", "-q", wheel], root)
    return python


def _env(python: Path) -> dict:
    """The environment a command in that virtual environment runs with (its scripts first on PATH)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    # its own scripts first, then those of the dependencies it borrows (nbgrader runs `alembic` by name)
    env["PATH"] = os.pathsep.join([str(python.parent), str(Path(sys.executable).parent), env.get("PATH", "")])
    env["MPLBACKEND"] = "Agg"
    return env


def test_the_installed_grader_is_the_wheel_not_this_checkout(grader_python, tmp_path):
    found = _run([grader_python, "-c", "import autograder, solutions; print(autograder.__file__); "
                  "print(solutions.__file__)"], tmp_path, _env(grader_python)).stdout.split()
    assert all("site-packages" in f and str(support.ROOT) not in f for f in found), found


#: Assignments nbgrader also autogrades here, with a mistake and a correct variant besides the
#: solution and the untouched release (our grader grades those two for every assignment; the
#: in-checkout parity suites compare nbgrader's scores on all five).
SAMPLED = ("training_slope", "best_practices")


def _sample(name: str) -> list[support.Case]:
    if name not in SAMPLED:
        return []
    catalogue = importlib.import_module(f"tests.catalogue.{name}")
    return [catalogue.MISTAKES[0], catalogue.VARIANTS[0]]


def test_a_separate_course_gets_nbgraders_scores_from_the_installed_grader(grader_python, tmp_path):
    """init-course, release and our grade from the installed grader: every assignment's solution
    gets full marks and its untouched release none. Then nbgrader generate_assignment and autograde
    on two of them (the in-checkout parity suites compare all five): the same per-cell scores, on
    the solution, the untouched release and a sample."""
    env = _env(grader_python)
    course = tmp_path / "course"
    _run([grader_python, "-m", "autograder", "init-course", course], tmp_path, env)
    _run([grader_python, "-m", "autograder", "release"], course, env)
    students: dict[str, list[str]] = {}
    for name in assignments.NAMES:
        released = (course / "release" / name / f"{name}.ipynb").read_bytes()
        assert released == support.ROOT.joinpath("release", name, f"{name}.ipynb").read_bytes()
        support.write(course / "submitted", "solutions", name, support.source_notebook(name))
        support.write(course / "submitted", "untouched", name, released)
        for case in _sample(name):
            support.write(course / "submitted", case.name, name, support.build(name, case))
        students[name] = ["solutions", "untouched", *(c.name for c in _sample(name))]
    for name in assignments.NAMES:
        ours = tmp_path / "out" / name
        _run([grader_python, "-m", "autograder", "grade", name, "submitted", "--out", ours, "--jobs", "2",
              "--quiet"], course, env)
        if name in SAMPLED:
            nbgrader = [grader_python, "-m", "nbgrader"]
            _run([*nbgrader, "generate_assignment", name, "--force", f"--CourseDirectory.root={course}"], course, env)
            _run([*nbgrader, "autograde", name, "--force", f"--CourseDirectory.root={course}"], course, env)
        mine = {student: support.cell_scores(support.results(ours, student)) for student in students[name]}
        top = sum(support.cell_max(name).values())
        assert sum(mine["solutions"].values()) == top and sum(mine["untouched"].values()) == 0, name
        if name not in SAMPLED:
            continue
        theirs = support.nbgrader_scores(course, name, students[name])
        assert theirs == mine, name
        assert any(0 < sum(theirs[s].values()) < top for s in students[name][2:]), name


def test_without_the_grader_a_hidden_region_fails_closed(tmp_path):
    """A kernel that cannot import the grader gets an error in each test cell (nbgrader scores it 0)."""
    cell = next(c for c in support.source_notebook("training_slope").cells if support.grade_id(c) == "test_forward")
    hidden = cell.source.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0]
    done = subprocess.run([sys.executable, "-I", "-S", "-c", "_checks = None\n" + hidden], cwd=tmp_path,
                          capture_output=True, text=True)
    assert done.returncode != 0
    assert "not installed in the environment this kernel runs in, so this cell scores 0" in done.stderr


# ----------------------------------------------------------- the students' environment


@pytest.fixture(scope="module")
def student_python(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("student-env")
    _run([sys.executable, "-m", "venv", root / "venv"], root)
    python = root / "venv" / "bin" / "python"
    _run([python, "-m", "pip", "install", "-q", "-r", support.ROOT / "requirements-student.txt"], support.ROOT)
    return python


def _secrets() -> dict[str, str]:
    """A line of each reference solution and each checks module that no other file would hold."""
    found = {}
    for name in assignments.NAMES:
        for kind, path in (("solution", support.ROOT / "solutions" / f"{name}.py"),
                           ("checks", assignments.PACKAGE / "checks" / f"{name}.py")):
            lines = [line.strip() for line in path.read_text().splitlines() if len(line.strip()) > 40]
            found[f"{kind} of {name}"] = max(lines, key=len)
    return found


def test_a_students_kernel_cannot_import_or_find_the_solutions_or_checks(student_python, tmp_path):
    env = _env(student_python)
    for module in ("autograder", "solutions", "autograder.checks"):
        done = subprocess.run([student_python, "-c", f"import {module}"], cwd=tmp_path, env=env,
                              capture_output=True, text=True)
        assert done.returncode != 0 and "ModuleNotFoundError" in done.stderr, module
    prefix = Path(_run([student_python, "-c", "import sys; print(sys.prefix)"], tmp_path, env).stdout.strip())
    release = support.ROOT / "release"
    secrets = _secrets()
    patterns = [arg for line in secrets.values() for arg in ("-e", line)]
    hits = subprocess.run(["grep", "-rlF", *patterns, str(prefix), str(release)], capture_output=True, text=True)
    assert hits.returncode == 1 and hits.stdout == "", f"found in the students' environment: {hits.stdout}"
    # The search finds them where they are (so an empty result above means something).
    there = subprocess.run(["grep", "-rlF", *patterns, str(support.ROOT / "solutions")], capture_output=True,
                           text=True)
    assert len(there.stdout.split()) == len(assignments.NAMES)
    # What students run works there: each released notebook's imports cell.
    for name in assignments.NAMES:
        nb = json.loads((release / name / f"{name}.ipynb").read_text())
        imports = next("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
        _run([student_python, "-c", imports], tmp_path, env)


def test_the_wheel_lists_every_package_of_the_grader():
    import tomllib

    listed = set(tomllib.loads((support.ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(support.ROOT).parts)
             for top in ("autograder", "solutions") for p in (support.ROOT / top).rglob("__init__.py")}
    assert found <= listed, f"add these to pyproject.toml's packages: {sorted(found - listed)}"
