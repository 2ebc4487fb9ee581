"""Limits come from nbgrader_config.py (c.Autograder.*), the command line overrides the timeout."""

from autograder.config import load_limits
from autograder.sandbox.limits import Limits
from tests import support


def test_the_courses_config_sets_every_limit():
    assert load_limits(support.ROOT) == Limits(timeout=30, memory_mb=2048, cpu_seconds=600, file_size_mb=64,
                                               processes=256, tmp_mb=256)


def test_config_values_and_the_command_line_override_the_defaults(tmp_path):
    (tmp_path / "nbgrader_config.py").write_text(
        "c = get_config()\nc.Autograder.memory_mb = 512\nc.Autograder.timeout = 12\nc.Autograder.tmp_mb = 64\n")
    limits = load_limits(tmp_path)
    assert (limits.memory_mb, limits.timeout, limits.tmp_mb) == (512, 12.0, 64)
    assert limits.cpu_seconds == Limits().cpu_seconds
    assert load_limits(tmp_path, timeout=3).timeout == 3.0


def test_no_config_file_means_the_defaults(tmp_path):
    assert load_limits(tmp_path) == Limits()
