"""``python -m autograder``: release and grade (SPEC §4)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder import assignments


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m autograder",
                                     description="Release and grade the Module 2 (Linear Regression) notebooks.")
    sub = parser.add_subparsers(dest="command", required=True)

    rel = sub.add_parser("release", help="regenerate release/ from source/ with nbgrader")
    rel.add_argument("assignments", nargs="*", metavar="ASSIGNMENT",
                     help=f"which to release (default: all of {', '.join(assignments.NAMES)})")

    grd = sub.add_parser("grade", help="grade a directory of submissions")
    grd.add_argument("assignment", metavar="ASSIGNMENT")
    grd.add_argument("submitted", metavar="SUBMITTED_DIR", type=Path,
                     help="holds <student_id>/<ASSIGNMENT>/<ASSIGNMENT>.ipynb")
    grd.add_argument("--out", required=True, type=Path, metavar="OUT_DIR",
                     help="where <student_id>/results.json and grades.csv are written")
    grd.add_argument("--jobs", type=int, default=1, metavar="N", help="submissions graded in parallel")
    grd.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                     help="time limit per cell and per check (default: nbgrader_config.py, else 30)")
    grd.add_argument("--quiet", action="store_true", help="print only the summary")
    return parser


def _cmd_release(args) -> int:
    from autograder.release import ReleaseError, release

    try:
        for path in release(args.assignments or None):
            print(f"released {path.relative_to(assignments.PROJECT_ROOT)}")
    except (assignments.UnknownAssignment, ReleaseError) as exc:
        print(f"autograder release: {exc}", file=sys.stderr)
        return 2
    return 0


def _cmd_grade(args) -> int:
    from autograder.config import load_limits
    from autograder.grade import GraderError, grade

    if args.jobs < 1:
        print("autograder grade: --jobs must be at least 1", file=sys.stderr)
        return 2
    if args.timeout is not None and args.timeout <= 0:
        print("autograder grade: --timeout must be a positive number of seconds", file=sys.stderr)
        return 2
    try:
        assignments.get(args.assignment)
        limits = load_limits(assignments.PROJECT_ROOT, args.timeout)

        def progress(row):
            if not args.quiet:
                status = f"not graded: {row['load_error']}" if row["load_error"] else ""
                print(f"  {row['student_id']:<24} {row['score']:>6g} / {row['max_score']:g}  {status}",
                      flush=True)

        summary = grade(args.assignment, args.submitted, args.out, jobs=args.jobs, limits=limits,
                        progress=progress)
    except (assignments.UnknownAssignment, GraderError) as exc:
        print(f"autograder grade: {exc}", file=sys.stderr)
        return 2
    rows = summary.rows
    if rows and not args.quiet:
        print()
        print(_table(rows))
    mean = sum(r["score"] for r in rows) / len(rows) if rows else 0.0
    print(f"graded {summary.graded} of {len(rows)} submission(s) of {args.assignment} in "
          f"{summary.seconds:.1f} s; {len(rows) - summary.graded} could not be loaded; "
          f"mean score {mean:.2f}. Results in {args.out}/")
    return 0


def _table(rows: list[dict]) -> str:
    """The grades as an aligned text table: one row per student, one column per test cell."""
    cells = list(rows[0]["cells"])
    header = ["student", "score", *[c.removeprefix("test_") for c in cells]]
    body = [[r["student_id"], f"{r['score']:g}/{r['max_score']:g}", *[f"{r['cells'][c]:g}" for c in cells]]
            for r in sorted(rows, key=lambda r: r["student_id"])]
    widths = [max(len(str(row[i])) for row in [header, *body]) for i in range(len(header))]
    return "\n".join("  ".join(str(v).ljust(w) for v, w in zip(row, widths)) for row in [header, *body])


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "release":
        return _cmd_release(args)
    return _cmd_grade(args)
