"""The notebook scripts' renderer: each solution region comes from solutions/, never from a copy."""

import ast
import importlib.util
import re
import sys
import textwrap
import types

import pytest

from autograder import assignments
from tests import support

spec = importlib.util.spec_from_file_location("nbtools", support.ROOT / "tools" / "notebooks" / "nbtools.py")
nbtools = importlib.util.module_from_spec(spec)
spec.loader.exec_module(nbtools)


def _module(code: str, tmp_path, name: str) -> types.ModuleType:
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(code))
    module_spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module
    module_spec.loader.exec_module(module)
    return module


def test_a_function_keeps_its_signature_and_docstring_outside_the_region(tmp_path):
    ref = _module('''
        def forward(x,
                    scale=2):
            """The prediction."""
            y = x * scale  # noqa: F821 - a linter's note
            return y
        ''', tmp_path, "ref_function")
    assert nbtools.solution_source(ref.forward) == textwrap.dedent('''\
        def forward(x,
                    scale=2):
            """The prediction."""
            ### BEGIN SOLUTION
            y = x * scale
            return y
            ### END SOLUTION''')


def test_a_class_gets_one_region_per_method(tmp_path):
    ref = _module('''
        class Model:
            """A model."""

            def __init__(self, n):
                self.n = n

            def step(self):
                """One step."""
                return self.n
        ''', tmp_path, "ref_class")
    assert nbtools.solution_source(ref.Model) == textwrap.dedent('''\
        class Model:
            """A model."""

            def __init__(self, n):
                ### BEGIN SOLUTION
                self.n = n
                ### END SOLUTION

            def step(self):
                """One step."""
                ### BEGIN SOLUTION
                return self.n
                ### END SOLUTION''')


def test_a_cell_function_becomes_top_level_code_without_its_return(tmp_path):
    ref = _module('''
        def params():
            """The params cell."""
            w = 2.0
            b = -1.0
            return w, b
        ''', tmp_path, "ref_cell")
    assert nbtools.solution_source(ref.params, cell=True) == "### BEGIN SOLUTION\nw = 2.0\nb = -1.0\n### END SOLUTION"


@pytest.mark.parametrize("name", assignments.NAMES)
def test_no_notebook_script_holds_a_copy_of_a_solution(name):
    script = (support.ROOT / "tools" / "notebooks" / f"{name}.py").read_text()
    assert "BEGIN SOLUTION" not in script
    assert not re.search(r"nb\.test\(\"\w+\", \d", script), "a test cell's points belong on its checks"


@pytest.mark.parametrize("name", assignments.NAMES)
def test_every_solution_region_is_the_reference_code(name):
    """What nbgrader strips from the source notebook is the code of solutions/<name>.py."""
    ref = assignments.get(name).solutions()
    for cell in support.source_notebook(name).cells:
        meta = cell.metadata.get("nbgrader", {})
        if not meta.get("solution"):
            continue
        code = "\n".join(line for line in cell.source.splitlines() if "### " not in line)
        obj = getattr(ref, meta["grade_id"])
        rendered = nbtools.solution_source(obj, cell=isinstance(ast.parse(code).body[0], (ast.Assign, ast.Expr)))
        assert cell.source == rendered, meta["grade_id"]
