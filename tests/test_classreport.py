"""The class report: a self-contained page, rendered by a real headless browser."""

import os
import shutil
import subprocess
import sys

import matplotlib.image
import numpy as np
import pytest

from tests import support

A = "training_slope"
EXAMPLES = support.ROOT / "examples" / A
STUDENTS = ("ada_perfect", "chloe_sum_not_mean", "eli_no_zero_grad", "ben_untouched")


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and os.environ.get("AUTOGRADER_NO_BROWSER"):
        pytest.skip("AUTOGRADER_NO_BROWSER is set: the report is not rendered")
    assert found, "Chromium is needed to render the report: `apt-get install chromium` (make test does it as root)"
    return found


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    for student in STUDENTS:
        shutil.copytree(EXAMPLES / student, root / "submitted" / student)
    (root / "submitted" / "zed_empty" / A).mkdir(parents=True)
    (root / "submitted" / "zed_empty" / A / f"{A}.ipynb").write_text("")
    done = support.grade(A, root / "submitted", root / "out")
    assert done.returncode == 0, done.stderr
    made = subprocess.run([sys.executable, "-m", "autograder", "report", str(root / "out")], cwd=support.ROOT,
                          capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    return root / "out" / "report.html"


def browser(*args, tmp_path):
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
             f"--user-data-dir={tmp_path / 'profile'}"]
    return subprocess.run([chromium(), *flags, *args], capture_output=True, text=True, timeout=120)


def test_report_is_self_contained(report):
    page = report.read_text()
    assert page.count("<img") == 3 and page.count("data:image/png;base64,") == 3
    assert "http://" not in page and "https://" not in page and "<script" not in page


def test_report_ranks_checks_so_common_mistakes_come_first(report):
    page = report.read_text()
    table = page[page.index("id='checks'"):page.index("id='students'")]
    assert table.index("test_converged") < table.index("test_forward_computes_slope_times_input")
    assert "sum instead of mean" in table


def test_report_renders_in_a_headless_browser_with_charts_and_tables(report, tmp_path):
    dom = browser("--dump-dom", report.as_uri(), tmp_path=tmp_path)
    assert dom.returncode == 0, dom.stderr
    students = dom.stdout[dom.stdout.index('id="students"'):]
    assert students.count("<tr>") == 1 + len(STUDENTS) + 1 and "zed_empty" in students and "is empty" in students
    shot = tmp_path / "report.png"
    done = browser(f"--screenshot={shot}", "--window-size=1100,2600", "--hide-scrollbars", report.as_uri(),
                   tmp_path=tmp_path)
    assert done.returncode == 0 and shot.is_file(), done.stderr
    pixels = matplotlib.image.imread(str(shot))[..., :3]
    bar_blue = np.array([0x3B, 0x6E, 0xA5]) / 255
    assert (np.abs(pixels - bar_blue).max(axis=-1) < 0.04).sum() > 500, "the charts were not drawn"
