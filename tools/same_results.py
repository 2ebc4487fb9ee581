"""Prove that a change to the grader left its results alone.

    python tools/same_results.py build DIR        # the fixed class, once, before the change
    python tools/same_results.py grade DIR OUT    # grade it (run before and after the change)
    python tools/same_results.py compare OUT_BEFORE OUT_AFTER

The fixed class is every catalogue mistake and correct variant of every
assignment, the solution notebook, the untouched release and ``examples/``. It
is built once and graded twice, so that a change to the source notebooks cannot
change the submissions. ``compare`` reads every ``results.json`` and reports each
that differs, apart from the timings (``execution_time``, ``seconds``) and the
grader's half of the result key (``extra_data.key`` is ``<grader fingerprint>-<notebook
hash>``, and the fingerprint hashes the grader's own files, so any change to them
changes it); it exits 1 when any does.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TIMINGS = {"execution_time", "seconds"}


def build(target: Path) -> None:
    import importlib

    from autograder import assignments
    from tests import support

    for name in assignments.NAMES:
        submitted = target / name
        catalogue = importlib.import_module(f"tests.catalogue.{name}")
        support.write(submitted, "solutions", name, support.source_notebook(name))
        support.write(submitted, "untouched", name, support.release_notebook(name))
        for case in catalogue.MISTAKES + catalogue.VARIANTS:
            support.write(submitted, case.name, name, support.build(name, case))
        for student in sorted((ROOT / "examples" / name).iterdir()):
            shutil.copytree(student, submitted / f"example_{student.name}")
        print(f"{name}: {sum(1 for _ in submitted.iterdir())} submissions")


def grade(target: Path, out: Path) -> None:
    from autograder import assignments

    for name in assignments.NAMES:
        subprocess.run([sys.executable, "-m", "autograder", "grade", name, str(target / name),
                        "--out", str(out / name), "--jobs", "2", "--force"], cwd=ROOT, check=True)


def _without_timings(value):
    if isinstance(value, dict):
        kept = {k: _without_timings(v) for k, v in value.items() if k not in TIMINGS}
        if isinstance(kept.get("key"), str) and "-" in kept["key"]:
            kept["key"] = kept["key"].split("-", 1)[1]
        return kept
    if isinstance(value, list):
        return [_without_timings(v) for v in value]
    return value


def compare(before: Path, after: Path) -> int:
    paths = sorted(p.relative_to(before) for p in before.glob("*/*/results.json"))
    others = sorted(p.relative_to(after) for p in after.glob("*/*/results.json"))
    differ = sorted(set(paths) ^ set(others))
    for path in differ:
        print(f"only in one run: {path}")
    for path in sorted(set(paths) & set(others)):
        a = _without_timings(json.loads((before / path).read_text()))
        b = _without_timings(json.loads((after / path).read_text()))
        if a != b:
            differ.append(path)
            print(f"differs: {path}")
    print(f"{len(paths)} results compared, {len(differ)} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "build":
        build(Path(args[0]))
    elif command == "grade":
        grade(Path(args[0]), Path(args[1]))
    elif command == "compare":
        sys.exit(compare(Path(args[0]), Path(args[1])))
    else:
        sys.exit(__doc__)
