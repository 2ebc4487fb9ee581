"""``python -m tests.mutation [ASSIGNMENT ...] [--every N]``: the whole mutation suite (``make mutants``).

Prints each assignment's mutation score (killed / behaving differently) and
every mutant with a problem: a survivor, an equivalent mutant that loses
points, a mistake that costs another cell, a visible test the hidden checks
disagree with. Exits 1 when there is any.
"""

import argparse
import sys

from autograder import assignments
from tests.mutation import suite


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.mutation")
    parser.add_argument("assignments", nargs="*", default=list(assignments.NAMES))
    parser.add_argument("--every", type=int, default=1, help="only every N-th mutant (a fixed sample)")
    args = parser.parse_args(argv)
    failed = 0
    for name in args.assignments:
        report = suite.run(name, every=args.every)
        print(report.text(), flush=True)
        failed += len(report.failures)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
