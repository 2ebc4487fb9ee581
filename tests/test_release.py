"""release/ is exactly what nbgrader generates from source/, and the notebooks
run for a student in a real Jupyter kernel."""

import json

import pytest
from nbclient import NotebookClient

from autograder import assignments
from autograder.course import Course
from autograder.release import generate
from tests import support

BUILT = [a.name for a in assignments.available()]


def _normalised(path):
    data = json.loads(path.read_text())
    return json.dumps(data, sort_keys=True, indent=1)


@pytest.mark.parametrize("name", BUILT)
def test_release_is_what_nbgrader_generates_from_source(name, tmp_path):
    generated = generate(name, Course.at(support.ROOT), tmp_path)
    committed = support.ROOT / "release" / name / f"{name}.ipynb"
    assert _normalised(generated) == _normalised(committed), (
        f"release/{name} is stale: run `python -m autograder release {name}` and commit release/")


@pytest.mark.parametrize("name", BUILT)
def test_release_stubs_every_answer_and_keeps_checksummed_locks(name):
    nb = support.release_notebook(name)
    answers = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert answers
    for cell in answers:
        assert "raise NotImplementedError()" in cell.source and "BEGIN SOLUTION" not in cell.source
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("locked") or meta.get("grade"):
            assert meta.get("checksum"), f"{meta.get('grade_id')} has no nbgrader checksum"
            assert cell.metadata.get("deletable") is False and cell.metadata.get("editable") is False


@pytest.mark.kernel
@pytest.mark.parametrize("name", BUILT)
def test_solution_notebook_runs_top_to_bottom_in_a_kernel(name):
    nb = support.source_notebook(name)
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(support.ROOT)}}).execute()
    outputs = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "Error" not in outputs


@pytest.mark.kernel
def test_best_practices_trains_once_into_a_real_tensorboard_event_file():
    """The training run logs with torch's SummaryWriter; TensorBoard's own reader finds both losses in it."""
    nb = support.source_notebook("best_practices")
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(support.ROOT)}}).execute()
    read = next(c for c in nb.cells if support.grade_id(c) == "read_the_event_file")
    said = "".join(o.get("text", "") for o in read.outputs)
    assert "loss/train: " in said and "loss/val: " in said, said
    log_dir = next(o.get("text", "") for c in nb.cells if support.grade_id(c) == "run_training"
                   for o in c.outputs if "TensorBoard log:" in o.get("text", "")).split("TensorBoard log: ")[1].split()[0]
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(support.ROOT / log_dir))
    events.Reload()
    assert set(events.Tags()["scalars"]) == {"loss/train", "loss/val"}
    assert [e.step for e in events.Scalars("loss/val")] == list(range(len(events.Scalars("loss/val"))))


@pytest.mark.kernel
@pytest.mark.parametrize("name", BUILT)
def test_released_notebook_runs_and_each_stub_raises_not_implemented(name):
    nb = support.release_notebook(name)
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(support.ROOT)}}).execute()
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
        if meta.get("solution"):
            defines_function = "def " in cell.source or "class " in cell.source
            if not defines_function:
                assert errors and errors[0].ename == "NotImplementedError", meta["grade_id"]
        elif meta.get("locked") and not meta.get("grade") and cell.cell_type == "code":
            allowed = {"NotImplementedError", "NameError"}
            assert all(e.ename in allowed for e in errors), (meta["grade_id"], [e.ename for e in errors])


@pytest.mark.parametrize("name", BUILT)
def test_source_notebook_is_what_its_build_script_writes(name, tmp_path):
    import subprocess
    import sys

    target = tmp_path / f"{name}.ipynb"
    script = support.ROOT / "tools" / "notebooks" / f"{name}.py"
    subprocess.run([sys.executable, str(script), str(target)], check=True, cwd=support.ROOT)
    committed = support.ROOT / "source" / name / f"{name}.ipynb"
    assert _normalised(target) == _normalised(committed), (
        f"source/{name} differs from tools/notebooks/{name}.py: run `make notebooks` and commit")


