"""``python -m autograder``: release and grade (SPEC §4)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder import assignments, course


#: The help of every ``--course`` option.
COURSE_HELP = ("the nbgrader course directory (default: the one holding the working directory, "
               "found by its nbgrader_config.py)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m autograder",
                                     description="Release and grade the Module 2 (Linear Regression) notebooks.")
    sub = parser.add_subparsers(dest="command", required=True)
    _course_commands(sub)
    _grade_command(sub.add_parser("grade", help="grade a directory of submissions"))
    _other_commands(sub)
    return parser


def _course_commands(sub) -> None:
    rel = sub.add_parser("release", help="regenerate release/ from source/ with nbgrader")
    rel.add_argument("assignments", nargs="*", metavar="ASSIGNMENT",
                     help=f"which to release (default: all of {', '.join(assignments.NAMES)})")
    rel.add_argument("--course", type=Path, metavar="DIR", help=COURSE_HELP)

    ini = sub.add_parser("init-course", help="start an nbgrader course directory with this module's notebooks")
    ini.add_argument("directory", metavar="DIR", type=Path)
    ini.add_argument("--course-id", metavar="ID", help="nbgrader's course_id (default: the folder's name)")

    new = sub.add_parser("new", help="scaffold a new assignment in this checkout (see docs/authoring.md)")
    new.add_argument("name", metavar="NAME")


def _grade_command(grd) -> None:
    grd.add_argument("assignment", metavar="ASSIGNMENT")
    grd.add_argument("submitted", metavar="SUBMITTED_DIR", type=Path,
                     help="holds <student_id>/<ASSIGNMENT>/<ASSIGNMENT>.ipynb")
    grd.add_argument("--out", required=True, type=Path, metavar="OUT_DIR",
                     help="where <student_id>/results.json and grades.csv are written")
    grd.add_argument("--jobs", type=int, default=1, metavar="N",
                     help="most submissions graded in parallel (fewer workers for a class of under 8 per worker)")
    grd.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                     help="time limit per cell and per check (default: nbgrader_config.py, else 30)")
    grd.add_argument("--quiet", action="store_true", help="print only the summary")
    grd.add_argument("--force", action="store_true",
                     help="regrade every submission, even those with an up-to-date results.json")
    grd.add_argument("--gradebook", type=Path, metavar="GRADEBOOK.db",
                     help="also write the scores into this nbgrader gradebook (SQLite)")
    grd.add_argument("--course", type=Path, metavar="DIR", help=COURSE_HELP)
    where = grd.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="SCHEDULER",
                       help="grade on the Dask cluster whose scheduler is at SCHEDULER (tcp://HOST:8786) "
                            "instead of on local workers")
    where.add_argument("--scheduler-file", type=Path, metavar="FILE",
                       help="the same, with the scheduler's address read from its --scheduler-file")


def _other_commands(sub) -> None:
    wrk = sub.add_parser("worker", help="start a Dask worker process with this grader for the scheduler "
                                        "at SCHEDULER (further options go to `dask worker`)")
    wrk.add_argument("scheduler", metavar="SCHEDULER")

    chk = sub.add_parser("check", help="check one notebook before submitting it and print a summary")
    chk.add_argument("notebook", metavar="NOTEBOOK", type=Path)
    chk.add_argument("--assignment", metavar="ASSIGNMENT",
                     help="which assignment it is (default: read from the notebook or its name)")
    chk.add_argument("--timeout", type=float, default=None, metavar="SECONDS")

    gs = sub.add_parser("gradescope", help="build a Gradescope autograder bundle (zip)")
    gs.add_argument("assignment", metavar="ASSIGNMENT")
    gs.add_argument("-o", "--output", type=Path, required=True, metavar="BUNDLE.zip")

    cs = sub.add_parser("coursera", help="build a Coursera custom grader (Dockerfile + project)")
    cs.add_argument("assignment", metavar="ASSIGNMENT")
    cs.add_argument("-o", "--output", type=Path, required=True, metavar="DIR")

    rep = sub.add_parser("report", help="write OUT_DIR/report.html, a class report, from a grading run")
    rep.add_argument("out", metavar="OUT_DIR", type=Path)

    run = sub.add_parser("platform-run", help="(inside a Gradescope or Coursera container) grade the upload")
    run.add_argument("platform", choices=["gradescope", "coursera"])
    run.add_argument("assignment", metavar="ASSIGNMENT")


def _cmd_platform(args) -> int:
    from autograder import platforms

    try:
        if args.command == "gradescope":
            print(f"wrote {platforms.build_gradescope(args.assignment, args.output)}")
        elif args.command == "coursera":
            print(f"wrote {platforms.build_coursera(args.assignment, args.output)}")
        elif args.platform == "gradescope":
            platforms.run_gradescope(args.assignment)
        else:
            platforms.run_coursera(args.assignment)
    except assignments.UnknownAssignment as exc:
        print(f"autograder {args.command}: {exc}", file=sys.stderr)
        return 2
    return 0


def _course_root(args) -> Path:
    """``--course``, checked, or the course directory the command runs in."""
    if getattr(args, "course", None) is not None:
        return course.Course.at(args.course).root
    return assignments.default_course_root()


def _cmd_release(args) -> int:
    from autograder.release import ReleaseError, release

    try:
        root = _course_root(args)
        for path in release(args.assignments or None, root):
            print(f"released {path.relative_to(root)}")
    except (assignments.UnknownAssignment, course.CourseNotFound, ReleaseError) as exc:
        print(f"autograder release: {exc}", file=sys.stderr)
        return 2
    return 0


def _cmd_init_course(args) -> int:
    try:
        written = course.init(args.directory, args.course_id)
    except (FileExistsError, OSError) as exc:
        print(f"autograder init-course: {exc}", file=sys.stderr)
        return 2
    root = written[0].parent
    print(f"started the course {root} ({len(written) - 1} source notebooks and {course.CONFIG}).\n"
          f"Next: cd {root} && python -m autograder release   (or: nbgrader generate_assignment NAME)")
    return 0


def _cmd_new(args) -> int:
    from autograder import scaffold

    if assignments.CHECKOUT is None:
        print("autograder new: this is an installed grader; scaffold new assignments in a checkout of its "
              "source (git clone), then build and install it", file=sys.stderr)
        return 2
    try:
        written = scaffold.new(args.name, assignments.CHECKOUT, assignments.NAMES)
    except scaffold.ScaffoldError as exc:
        print(f"autograder new: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path.relative_to(assignments.CHECKOUT)}")
    print(f"Next: make notebooks (writes source/{args.name}/ and release/{args.name}/), then "
          f"python -m pytest tests/test_{args.name}.py; docs/authoring.md explains each file.")
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
    client = None
    try:
        root = _course_root(args)
        assignments.get(args.assignment, root)
        limits = load_limits(root, args.timeout)
        if args.scheduler or args.scheduler_file:
            from autograder import cluster

            client = cluster.connect(args.scheduler, args.scheduler_file)
        summary = grade(args.assignment, args.submitted, args.out, jobs=args.jobs, limits=limits,
                        progress=_progress(args.quiet), force=args.force, course=root, client=client)
    except (assignments.UnknownAssignment, course.CourseNotFound, GraderError) as exc:
        print(f"autograder grade: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        from autograder import cluster

        if not isinstance(exc, cluster.ClusterError):
            raise
        print(f"autograder grade: {exc}", file=sys.stderr)
        return 2
    finally:
        if client is not None:
            client.close()
    rows = summary.rows
    if rows and not args.quiet:
        print()
        print(_table(rows))
    print(_summary(args.assignment, summary, args.out))
    if args.gradebook is not None:
        from autograder.gradebook import GradebookError, autograded_dir, record

        try:
            written = record(args.assignment, args.gradebook, rows, args.submitted, args.out, root)
            print(f"wrote {written} student(s) into {args.gradebook} and their notebooks into "
                  f"{autograded_dir(args.gradebook)}")
        except GradebookError as exc:
            print(f"autograder grade: {exc}", file=sys.stderr)
            return 1
    return 0


class _progress:
    """Per-submission progress: a tqdm bar in a terminal, plain lines elsewhere (CI logs)."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.bar = None
        if not quiet and sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(unit="submission", desc="grading", file=sys.stderr)

    def __call__(self, row) -> None:
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix_str(f"{row.student_id}: {row.score:g}/{row.max_score:g}")
        elif not self.quiet:
            status = f"  not graded: {row.load_error}" if row.load_error else ""
            print(f"  {row.student_id:<24} {row.score:>6g} / {row.max_score:g}{status}", flush=True)


def _summary(assignment: str, summary, out: Path) -> str:
    rows = summary.rows
    graded = [r for r in rows if not r.load_error]
    mean = sum(r.score for r in rows) / len(rows) if rows else 0.0
    text = (f"{assignment}: graded {len(graded)} of {len(rows)} submission(s) in {summary.seconds:.1f} s; "
            f"{len(rows) - len(graded)} could not be loaded; mean score {mean:.2f}")
    if summary.reused:
        text += f"; {summary.reused} result(s) were up to date and kept (--force regrades them)"
    if graded:
        slowest = max(graded, key=lambda r: r.seconds)
        text += f"; slowest {slowest.student_id} ({slowest.seconds:.1f} s)"
    text += f". Results in {out}/"
    if any(r.isolation == "none" for r in graded):
        text += ("\nwarning: the grader is not root, so student code ran as your user and could read files "
                 "on disk (the hidden checks included); run as root for a private mount namespace.")
    elif any(r.isolation == "uid" for r in graded):
        text += ("\nwarning: the grader could not make namespaces (a container without CAP_SYS_ADMIN?), so "
                 "student code ran as an unprivileged uid of its own but could read world-readable files and "
                 "use the network; see the README's isolation section.")
    return text


def _cmd_check(args) -> int:
    """Grade one notebook (``pipeline.grade_notebook``) and explain the result."""
    import shutil
    import tempfile

    import nbformat

    from autograder.config import load_limits
    from autograder.pipeline import grade_notebook

    path = args.notebook
    if not path.is_file():
        print(f"autograder check: {path} does not exist", file=sys.stderr)
        return 2
    name = args.assignment
    if name is None:
        try:
            meta = nbformat.read(str(path), as_version=4).metadata.get("autograder", {})
            name = meta.get("assignment") if isinstance(meta, dict) else None
        except Exception:  # noqa: BLE001 - a broken file is reported by the grader below
            name = None
        name = name or next((n for n in assignments.NAMES if n in path.stem), None)
    if name is None:
        print("autograder check: cannot tell which assignment this is; pass --assignment", file=sys.stderr)
        return 2
    try:
        assignment = assignments.get(name)
    except (assignments.UnknownAssignment, course.CourseNotFound) as exc:
        print(f"autograder check: {exc}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="autograder-check-") as scratch:
        # Graded under the name it must be submitted as, which is what the messages call it.
        notebook = Path(shutil.copy(path, Path(scratch) / f"{name}.ipynb"))
        result = grade_notebook(notebook, assignment, load_limits(assignment.root, args.timeout), student_id="you")
    print(result.summary())
    failed = [check for check in result.checks if not check.passed]
    for check in failed:
        print(f"\n✘ {check.grade_id}: {check.message}")
    if not failed and not result.load_error:
        print("\nEverything checked passed. Well done!")
    return 0


def _table(rows) -> str:
    """The grades (``GradeRow``s) as an aligned text table: one row per student, one column per test cell."""
    cells = list(rows[0].cells)
    header = ["student", "score", *[c.removeprefix("test_") for c in cells]]
    body = [[r.student_id, f"{r.score:g}/{r.max_score:g}", *[f"{r.cells[c]:g}" for c in cells]]
            for r in sorted(rows, key=lambda r: r.student_id)]
    widths = [max(len(str(row[i])) for row in [header, *body]) for i in range(len(header))]
    return "\n".join("  ".join(str(v).ljust(w) for v, w in zip(row, widths)) for row in [header, *body])


def main(argv: list[str] | None = None) -> int:
    args, rest = _parser().parse_known_args(argv)
    if args.command == "worker":
        from autograder import cluster

        return cluster.worker_main(args.scheduler, rest)
    if rest:
        _parser().parse_args(argv)  # says which arguments it does not know, and exits
    if args.command == "release":
        return _cmd_release(args)
    if args.command == "init-course":
        return _cmd_init_course(args)
    if args.command == "new":
        return _cmd_new(args)
    if args.command == "check":
        return _cmd_check(args)
    if args.command == "report":
        from autograder.classreport import write_report

        if not any(args.out.glob("*/results.json")):
            print(f"autograder report: no */results.json in {args.out}: run `grade` first", file=sys.stderr)
            return 2
        print(f"wrote {write_report(args.out)}")
        return 0
    if args.command in ("gradescope", "coursera", "platform-run"):
        return _cmd_platform(args)
    return _cmd_grade(args)
