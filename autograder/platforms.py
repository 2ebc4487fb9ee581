"""Ship an assignment to Gradescope or Coursera, and grade inside their containers.

Both platforms run one container per submission. The bundle carries this
project (grader, checks, reference solutions, source notebook) and an entry
point that grades the one notebook found in the platform's submission folder
with the same code path as ``python -m autograder grade``.

Inside the container the grader runs as root and the student's code as
an unprivileged user (see the sandbox); the entry point makes the project folder
readable by root only, so student code cannot read the hidden checks.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import zipfile
from pathlib import Path

from autograder import assignments, report
from autograder.config import load_limits
from autograder.results import SubmissionResult

#: What a bundle carries from the project.
_SHIPPED = ["autograder", "solutions", "nbgrader_config.py", "requirements-grader.txt", "pyproject.toml"]

#: The pins a bundle installs: what grading imports, for Python 3.10 to 3.12.
GRADER_REQUIREMENTS = "requirements-grader.txt"

#: PyTorch's index of CPU-only builds. PyPI's torch for Linux is the CUDA build,
#: gigabytes of libraries that a grading image never uses.
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"

#: The pip each bundle installs first, so every image resolves the pins with the release
#: tests/test_bundles.py resolves them with.
PIP = "pip==26.3"

# {pip}, {torch}, {torch_index} and {requirements} are filled in by _render.
_SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once when the autograder image is built: Ubuntu 22.04
# (Python 3.10) or 24.04 (Python 3.12); the pins hold for either.
set -euo pipefail
apt-get update
apt-get install -y --no-install-recommends python3 python3-venv libseccomp2
/usr/bin/python3 -m venv /autograder/venv
/autograder/venv/bin/python -m pip install --quiet {pip}
# torch alone, its CPU-only build; what it needs is pinned in {requirements}
/autograder/venv/bin/python -m pip install --quiet --no-deps --index-url {torch_index} {torch}
/autograder/venv/bin/python -m pip install --quiet --only-binary :all: -r /autograder/source/{requirements}
/autograder/venv/bin/python -m pip check
"""

_RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission.
set -uo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
PYTHON="${AUTOGRADER_PYTHON:-$ROOT/venv/bin/python}"
chmod -R go-rwx "$ROOT/source"
cd "$ROOT/source"
exec "$PYTHON" -m autograder platform-run gradescope ASSIGNMENT
"""

_DOCKERFILE = """# Coursera custom grader image for ASSIGNMENT (Python 3.11).
FROM python:3.11-slim
RUN apt-get update \\
 && apt-get install -y --no-install-recommends libseccomp2 \\
 && rm -rf /var/lib/apt/lists/*
COPY project /grader
RUN python -m venv /grader/venv \\
 && /grader/venv/bin/python -m pip install --quiet {pip} \\
 && /grader/venv/bin/python -m pip install --quiet --no-deps --index-url {torch_index} {torch} \\
 && /grader/venv/bin/python -m pip install --quiet --only-binary :all: -r /grader/{requirements} \\
 && /grader/venv/bin/python -m pip check \\
 && chmod -R go-rwx /grader
ENV AUTOGRADER_PYTHON=/grader/venv/bin/python
ENTRYPOINT ["/grader/grade.sh"]
"""

_COURSERA_SH = """#!/usr/bin/env bash
# Coursera runs this container once per submission.
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
PYTHON="${AUTOGRADER_PYTHON:-$HERE/venv/bin/python}"
cd "$HERE"
exec "$PYTHON" -m autograder platform-run coursera ASSIGNMENT
"""


def torch_requirement(requirements: Path) -> str:
    """The ``torch==X`` line of a requirements file: the bundles install that
    release from the CPU index before the rest of the file."""
    pins = [line.split("#")[0].strip() for line in requirements.read_text().splitlines()]
    found = [pin for pin in pins if pin.startswith("torch==") and ";" not in pin]
    if len(found) != 1:
        raise ValueError(f"{requirements} must pin torch exactly once, as torch==X (found {found or 'none'})")
    return found[0]


def _render(template: str, name: str) -> str:
    """A bundle script with the assignment, pip, torch and the requirements file filled in."""
    fields = {
        "{pip}": PIP,
        "{torch}": torch_requirement(assignments.PROJECT_ROOT / GRADER_REQUIREMENTS),
        "{torch_index}": TORCH_CPU_INDEX,
        "{requirements}": GRADER_REQUIREMENTS,
        "ASSIGNMENT": name,
    }
    for field, value in fields.items():
        template = template.replace(field, value)
    return template


def _copy_project(name: str, target: Path) -> None:
    root = assignments.PROJECT_ROOT
    for item in _SHIPPED:
        source = root / item
        if source.is_dir():
            shutil.copytree(source, target / item, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, target / item)
    shutil.copytree(root / "source" / name, target / "source" / name)


def _write_script(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def build_gradescope(name: str, output: Path) -> Path:
    """A Gradescope autograder zip: ``setup.sh``, ``run_autograder`` and the
    project, all at the top (Gradescope unpacks it into ``/autograder/source``)."""
    assignments.get(name)
    with tempfile.TemporaryDirectory(prefix="autograder-gradescope-") as scratch:
        root = Path(scratch)
        _copy_project(name, root)
        _write_script(root / "setup.sh", _render(_SETUP_SH, name))
        _write_script(root / "run_autograder", _render(_RUN_AUTOGRADER, name))
        output.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as bundle:
            for path in sorted(root.rglob("*")):
                info = zipfile.ZipInfo(str(path.relative_to(root)))
                if path.is_dir():
                    continue
                info.external_attr = (path.stat().st_mode & 0o777) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                bundle.writestr(info, path.read_bytes())
    return output


def build_coursera(name: str, output: Path) -> Path:
    """A Coursera custom grader: ``Dockerfile`` and ``project/`` with its entry point."""
    assignments.get(name)
    if output.exists():
        shutil.rmtree(output)
    project = output / "project"
    project.mkdir(parents=True)
    _copy_project(name, project)
    _write_script(project / "grade.sh", _render(_COURSERA_SH, name))
    (output / "Dockerfile").write_text(_render(_DOCKERFILE, name))
    return output


# ----------------------------------------------------------- inside containers


def _grade_upload(name: str, upload: Path) -> SubmissionResult:
    """Grade the platform's upload folder as one student's submission: its notebook is
    chosen as ``grade`` chooses one in a student's folder (the uploads' names, however deep)."""
    from autograder.grade import pick_notebook
    from autograder.pipeline import grade_submission

    by_name = {path.name: path for path in sorted(upload.rglob("*.ipynb")) if path.is_file()}
    found = sorted((path for file, path in by_name.items() if not file.startswith(".")), key=lambda p: p.name)
    submission = pick_notebook("submission", [found, []], name)
    return grade_submission(submission, name, load_limits(assignments.default_course_root()),
                            hide=(str(upload.resolve()),))


def run_gradescope(name: str) -> Path:
    """Grade ``$AUTOGRADER_ROOT/submission/`` into ``$AUTOGRADER_ROOT/results/results.json``."""
    root = Path(os.environ.get("AUTOGRADER_ROOT", "/autograder"))
    result = _grade_upload(name, root / "submission")
    target = root / "results" / "results.json"
    report.write_atomic(target, report.results_text(result))
    return target


def run_coursera(name: str) -> Path:
    """Grade ``$COURSERA_SHARED/submission/`` into ``$COURSERA_SHARED/feedback.json``."""
    shared = Path(os.environ.get("COURSERA_SHARED", "/shared"))
    result = _grade_upload(name, shared / "submission")
    target = shared / "feedback.json"
    report.write_atomic(target, report.coursera_feedback(result))
    return target
