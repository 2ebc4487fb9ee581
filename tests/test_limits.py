"""Resource limits per submission: each abuse is contained, reported, and costs
nothing to anyone else in the batch."""

import os

import pytest

from tests import support
from tests.support import Case

A = "training_slope"
ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="per-submission uids and namespaces need root")

HUNGRY_CRITERION = ("def criterion(yhat, y):\n    waste = torch.ones(40_000_000_000)\n"
                    "    return torch.mean((yhat - y) ** 2)\n")

CASES = {
    "control": Case("control"),
    "fork_bomb": Case("fork_bomb", extra_cells=("import os\nwhile True:\n    os.fork()",)),
    "floods_the_output": Case("floods_the_output", extra_cells=(
        "for _ in range(300_000):\n    print('spam ' * 200)",)),
    "writes_a_huge_file": Case("writes_a_huge_file", extra_cells=(
        "with open('big.bin', 'wb') as f:\n    for _ in range(200):\n        f.write(b'x' * 2**20)",)),
    "writes_countless_files": Case("writes_countless_files", extra_cells=(
        "for i in range(100_000):\n    open(f'f{i}.txt', 'w').close()",)),
    "uses_the_network": Case("uses_the_network", extra_cells=(
        "import urllib.request\nurllib.request.urlopen('http://127.0.0.1:9/', timeout=2).read()",)),
    "allocates_in_a_function": Case("allocates_in_a_function", {"criterion": HUNGRY_CRITERION}),
}


def write_submissions(submitted, out, prefix=""):
    for name, case in CASES.items():
        support.write(submitted, prefix + name, A, support.build(A, case))


#: What each student of this module must get (see tests/test_mixed_class.py).
EXPECTED = {
    **{name: "full" for name in CASES if name != "allocates_in_a_function"},
    "allocates_in_a_function": Case("hungry", loses=frozenset({"test_criterion"}),
                                    may_lose=frozenset({"test_converged"}), message="memory limit"),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("limits")
    submitted, out = root / "submitted", root / "out"
    write_submissions(submitted, out)
    done = support.grade(A, submitted, out, timeout=20)
    assert done.returncode == 0, done.stderr
    return out


def test_control_keeps_full_marks(graded):
    support.assert_full_marks(A, support.results(graded, "control"), "control")


@ROOT_ONLY
@pytest.mark.parametrize("name", ["fork_bomb", "floods_the_output", "writes_a_huge_file",
                                  "writes_countless_files", "uses_the_network"])
def test_an_abusive_extra_cell_is_contained_and_the_rest_is_graded(graded, name):
    support.assert_full_marks(A, support.results(graded, name), name)


def test_memory_hungry_code_loses_only_its_own_cell_with_a_memory_message(graded):
    result = support.results(graded, "allocates_in_a_function")
    support.assert_mistake(A, result, Case("hungry", loses=frozenset({"test_criterion"}),
                                           may_lose=frozenset({"test_converged"}), message="memory limit"))
