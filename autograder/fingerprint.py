"""What identifies a result: the grader that made it and the notebook it graded.

Kept free of heavy imports, so that the nbgrader bridge can tell from inside a
student's kernel whether a result on disk is still good.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import solutions
from autograder import assignments
from autograder.results import SubmissionResult


def grader_fingerprint(assignment: assignments.Assignment) -> str:
    """Changes whenever the checks or probes (any of them: one lab's checks may
    use another's), the solutions, the source notebook or the grader's code
    change: results made by another grader are regraded."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    files = [assignment.source_notebook, *sorted(package.glob("checks/*.py")), *sorted(package.glob("checks/*/*.py")),
             *sorted(package.glob("probes/*.py")),
             *sorted(Path(solutions.__file__).resolve().parent.glob("*.py")),
             *sorted(package.glob("*.py")), *sorted(package.glob("sandbox/*.py"))]
    for path in files:
        name = path.name if path.parent.parent.name != "checks" else f"{path.parent.name}/{path.name}"
        digest.update(name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def result_key(grader: str, notebook: Path | None) -> str:
    """The key a result for ``notebook`` (``None``: no notebook found) carries."""
    digest = hashlib.sha256(notebook.read_bytes()).hexdigest()[:16] if notebook is not None else "none"
    return f"{grader}-{digest}"


def stored_result(out_dir: Path, student: str, key: str) -> SubmissionResult | None:
    """``out_dir/<student>/results.json`` if it is a complete result made with
    ``key`` (this grader, this notebook); ``None`` if it is missing, unreadable
    or stale."""
    try:
        result = SubmissionResult.from_json(json.loads((out_dir / student / "results.json").read_text()))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return result if result.key == key else None
