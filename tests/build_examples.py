"""Regenerate examples/: a handful of realistic students per assignment.

    .venv/bin/python -m tests.build_examples [ASSIGNMENT ...]

Each assignment gets a perfect student, an untouched release, and students
made from the first mistakes of its catalogue plus one correct variant that
also uses IPython magics. Students work from the release, so their test cells
are the release's (no hidden regions).
"""

import importlib
import shutil
import sys

import nbformat

from autograder import assignments
from tests import support

NAMES = ["ada", "ben", "chloe", "dev", "eli", "fay", "gus", "hal"]
#: Hand-picked students (the project's tests refer to these by name).
PICKS = {
    "training_slope": {
        "chloe_sum_not_mean": "criterion_sums_instead_of_averaging",
        "dev_rebinds_p": "update_rebinds_loop_variable",
        "eli_no_zero_grad": "zero_grad_does_nothing",
        "fay_tensor_losses": "train_model_stores_loss_tensors",
        "gus_nn_mseloss_and_magics": "criterion_with_nn_mseloss",
    },
}


def build(assignment: str) -> list[str]:
    catalogue = importlib.import_module(f"tests.catalogue.{assignment}")
    root = support.ROOT / "examples" / assignment
    if root.exists():
        shutil.rmtree(root)
    released = {support.grade_id(c): c.source for c in support.release_notebook(assignment).cells}

    def as_student(nb):
        for cell in nb.cells:
            gid = support.grade_id(cell)
            if gid and gid.startswith("test_"):
                cell.source = released[gid]
        return nb

    students = {"ada_perfect": as_student(support.source_notebook(assignment)),
                "ben_untouched": support.release_notebook(assignment)}
    cases = {c.name: c for c in catalogue.MISTAKES + catalogue.VARIANTS}
    mistakes = catalogue.MISTAKES[:: max(1, len(catalogue.MISTAKES) // 4)][:4]
    picks = PICKS.get(assignment) or {
        **{f"{name}_{case.name}": case.name for name, case in zip(NAMES[2:], mistakes)},
        f"{NAMES[6]}_{catalogue.VARIANTS[0].name}_with_magics": catalogue.VARIANTS[0].name,
    }
    for student, case in picks.items():
        nb = as_student(support.build(assignment, cases[case]))
        if student.startswith(NAMES[6]):
            nb.cells.insert(1, nbformat.v4.new_code_cell("%matplotlib inline\n!pip list | grep torch"))
        students[student] = nb
    for student, nb in students.items():
        support.write(root, student, assignment, nb)
    return sorted(students)


if __name__ == "__main__":
    for name in sys.argv[1:] or [a.name for a in assignments.available()]:
        print(name, build(name))
