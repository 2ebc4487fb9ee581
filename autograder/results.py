"""Results of grading, as plain data, and the points policy (pure functions).

:class:`SubmissionResult` is the one result type: the grader makes it, every
writer renders it (``report.WRITERS``), and every reader of a ``results.json``
(resume, the nbgrader bridge, the class report, the gradebook) gets it back
with :meth:`SubmissionResult.from_json`. ``results.json`` is Gradescope's
results format with our ``extra_data``; :meth:`~SubmissionResult.to_json`
writes it and ``to_json(from_json(x)) == x`` for every file the grader writes.
:class:`GradeRow` is one student's line of ``grades.csv``.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def round_points(x: float) -> float:
    """Points as results.json and grades.csv hold them (4 decimals)."""
    return round(x, 4)


@dataclass(frozen=True)
class CheckResult:
    """One hidden check's verdict on one submission (one entry of ``tests``)."""

    name: str
    """The check's name, e.g. ``test_criterion_is_mean_not_sum`` (``extra_data.check``)."""
    grade_id: str
    """The nbgrader test cell it belongs to, e.g. ``test_criterion`` (``extra_data.grade_id``)."""
    max_score: float
    """Points the check is worth."""
    passed: bool
    """Whether the submission passed it (``status``: ``passed`` or ``failed``)."""
    message: str = ""
    """What the student is told (``output``; empty when passed)."""
    mistake: str | None = None
    """The known mistake the check diagnosed (``"sum instead of mean"``), if it named one
    (``extra_data.mistake``, absent when ``None``)."""

    @property
    def score(self) -> float:
        """All of ``max_score`` when passed, else 0."""
        return self.max_score if self.passed else 0.0

    def to_json(self) -> dict:
        """The entry of results.json's ``tests``."""
        return {
            "name": f"{self.grade_id}: {self.name}",
            "score": round_points(self.score),
            "max_score": round_points(self.max_score),
            "status": "passed" if self.passed else "failed",
            "output": self.message,
            "visibility": "visible",
            "extra_data": {"grade_id": self.grade_id, "check": self.name,
                           **({"mistake": self.mistake} if self.mistake else {})},
        }

    @classmethod
    def from_json(cls, data: dict) -> CheckResult:
        """The check an entry of ``tests`` written by :meth:`to_json` describes."""
        extra = data["extra_data"]
        if data["status"] not in ("passed", "failed"):
            raise ValueError(f"unknown status {data['status']!r}")
        return cls(name=str(extra["check"]), grade_id=str(extra["grade_id"]), max_score=float(data["max_score"]),
                   passed=data["status"] == "passed", message=str(data["output"]), mistake=extra.get("mistake"))


@dataclass
class SubmissionResult:
    """Everything graded about one student's submission."""

    student_id: str
    """The student (the folder under ``submitted/``; ``extra_data.student_id``)."""
    assignment: str
    """The assignment it was graded as (``extra_data.assignment``)."""
    checks: list[CheckResult] = field(default_factory=list)
    """Every hidden check, in the order they ran (``tests``)."""
    cells: dict[str, float] = field(default_factory=dict)
    """Max points of every test cell, in notebook order (so that a submission
    that could not be loaded still lists every cell, with 0)."""
    load_error: str | None = None
    """Why the submission could not be graded at all, if it could not (``extra_data.load_error``)."""
    notes: list[str] = field(default_factory=list)
    """General feedback (edited locked cells, cells that timed out, ...), after
    the per-cell lines of ``output``. Read back from a file, one note per line."""
    seconds: float = 0.0
    """Wall-clock time spent grading it (``execution_time``, rounded to 4 decimals)."""
    isolation: str = "unknown"
    """``namespace`` when the student's code could not see the grader's files
    (else ``uid`` or ``none``; see the README)."""
    key: str = ""
    """Fingerprint of the notebook and grader that made this result (``fingerprint.result_key``);
    empty for a result that must always be redone (an internal failure)."""
    recorded_max: float | None = None
    """The total max score read from a file that does not say how it splits
    over the cells (a submission that could not be graded lists its cells with
    their scores only); ``None`` when ``cells`` holds every cell's max."""

    @property
    def score(self) -> float:
        """The points of every passed check."""
        return sum(c.score for c in self.checks)

    @property
    def max_score(self) -> float:
        """The points of every test cell."""
        return self.recorded_max if self.recorded_max is not None else sum(self.cells.values())

    def cell_scores(self) -> dict[str, float]:
        """Score of each test cell (0 for cells with no passing check)."""
        return cell_scores(self.checks, self.cells)

    def summary(self) -> str:
        """The top-level ``output``: the score per cell and general notes."""
        if self.load_error:
            return f"Your submission could not be graded: {self.load_error}"
        lines = [f"{self.assignment}: {round_points(self.score):g} / {round_points(self.max_score):g} points."]
        for grade_id, score in self.cell_scores().items():
            lines.append(f"  {grade_id}: {round_points(score):g} / {round_points(self.cells[grade_id]):g}")
        lines.extend(self.notes)
        return "\n".join(lines)

    def to_json(self) -> dict:
        """``results.json``: Gradescope's autograder results format, with our ``extra_data``."""
        return {
            "score": round_points(self.score),
            "max_score": round_points(self.max_score),
            "output": self.summary(),
            "visibility": "visible",
            "stdout_visibility": "hidden",
            "execution_time": round_points(self.seconds),
            "tests": [check.to_json() for check in self.checks],
            "extra_data": {"student_id": self.student_id, "assignment": self.assignment,
                           "cells": {k: round_points(v) for k, v in self.cell_scores().items()},
                           "load_error": self.load_error, "isolation": self.isolation, "key": self.key},
        }

    @classmethod
    def from_json(cls, data: dict) -> SubmissionResult:
        """The result a ``results.json`` written by :meth:`to_json` holds.

        Raises ``KeyError``, ``TypeError`` or ``ValueError`` for anything else.
        The max points of each cell are read from ``output``'s per-cell lines;
        a submission that could not be graded has none, so only its total is
        kept (``recorded_max``) and its cells get 0."""
        extra = data["extra_data"]
        checks = [CheckResult.from_json(test) for test in data["tests"]]
        load_error = extra["load_error"]
        names = list(extra["cells"])
        output = str(data["output"])
        result = cls(str(extra["student_id"]), str(extra["assignment"]), checks, load_error=load_error,
                     seconds=float(data["execution_time"]), isolation=str(extra["isolation"]),
                     key=str(extra["key"]))
        if load_error:
            result.cells = dict.fromkeys(names, 0.0)
            result.recorded_max = float(data["max_score"])
            return result
        lines = output.split("\n")
        if len(lines) <= len(names):
            raise ValueError("the output does not list every cell")
        for grade_id, line in zip(names, lines[1:]):
            label, _, points = line.rpartition(" / ")
            if not label.startswith(f"  {grade_id}: "):
                raise ValueError(f"the output does not list cell {grade_id}")
            result.cells[grade_id] = float(points)
        result.notes = lines[1 + len(names):]
        return result


@dataclass(frozen=True)
class GradeRow:
    """One student's line of ``grades.csv`` (and of the run's summary)."""

    student_id: str
    assignment: str
    score: float
    """Points scored (rounded as in results.json)."""
    max_score: float
    """Points available."""
    cells: dict[str, float]
    """Score of each test cell, in notebook order."""
    load_error: str | None = None
    """Why the submission was not graded, if it was not."""
    seconds: float = 0.0
    """Wall-clock time spent grading it."""
    isolation: str = "unknown"
    """How the student's code was isolated (see :attr:`SubmissionResult.isolation`)."""

    @classmethod
    def of(cls, result: SubmissionResult) -> GradeRow:
        return cls(result.student_id, result.assignment, round_points(result.score),
                   round_points(result.max_score), {k: round_points(v) for k, v in result.cell_scores().items()},
                   result.load_error, result.seconds, result.isolation)


def cell_scores(checks: list[CheckResult], cells: dict[str, float]) -> dict[str, float]:
    """Score of each test cell of ``cells``: the points of its passed checks."""
    scores = {grade_id: 0.0 for grade_id in cells}
    for check in checks:
        scores[check.grade_id] = scores.get(check.grade_id, 0.0) + check.score
    return scores
