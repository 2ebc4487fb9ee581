"""Results of grading, as plain data, and the points policy (pure functions)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CheckResult:
    """One hidden check's verdict on one submission."""

    name: str
    """The check's name, e.g. ``test_criterion_is_mean_not_sum``."""
    grade_id: str
    """The nbgrader test cell it belongs to, e.g. ``test_criterion``."""
    max_score: float
    """Points the check is worth."""
    passed: bool
    """Whether the submission passed it."""
    message: str = ""
    """What the student is told (empty when passed)."""
    mistake: str | None = None
    """The known mistake the check diagnosed (``"sum instead of mean"``), if it named one."""

    @property
    def score(self) -> float:
        return self.max_score if self.passed else 0.0


@dataclass
class SubmissionResult:
    """Everything graded about one student's submission."""

    student_id: str
    assignment: str
    checks: list[CheckResult] = field(default_factory=list)
    """Every hidden check, in the order they ran."""
    cells: dict[str, float] = field(default_factory=dict)
    """Max points of every test cell, in notebook order (so that a submission
    that could not be loaded still lists every cell, with 0)."""
    load_error: str | None = None
    """Why the submission could not be graded at all, if it could not."""
    notes: list[str] = field(default_factory=list)
    """General feedback (edited locked cells, cells that timed out, ...)."""
    seconds: float = 0.0
    """Wall-clock time spent grading it."""
    isolation: str = "unknown"
    """``namespace`` when the student's code could not see the grader's files."""
    key: str = ""
    """Fingerprint of the notebook and grader that made this result (see grade.py)."""

    @property
    def score(self) -> float:
        return sum(c.score for c in self.checks)

    @property
    def max_score(self) -> float:
        return sum(self.cells.values())

    def cell_scores(self) -> dict[str, float]:
        """Score of each test cell (0 for cells with no passing check)."""
        return cell_scores(self.checks, self.cells)


def cell_scores(checks: list[CheckResult], cells: dict[str, float]) -> dict[str, float]:
    scores = {grade_id: 0.0 for grade_id in cells}
    for check in checks:
        scores[check.grade_id] = scores.get(check.grade_id, 0.0) + check.score
    return scores
