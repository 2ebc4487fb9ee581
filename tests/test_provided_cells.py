"""A provided (locked) cell that fails on what a student's cells made is reported in the course's terms.

The invariant the other way round (what the hidden checks accept runs through
every locked cell) is asserted for every correct variant and solution of every
catalogue, in ``support.assert_full_marks``.
"""

from tests import support

A = "training_slope"


def test_a_provided_cell_that_fails_on_the_students_cost_is_explained_once(tmp_path):
    per_sample = support.Case("per_sample", {"criterion": "def criterion(yhat, y):\n    return (yhat - y) ** 2\n"})
    support.write(tmp_path / "submitted", "per_sample", A, support.build(A, per_sample))
    done = support.grade(A, tmp_path / "submitted", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    output = support.results(tmp_path / "out", "per_sample")["output"]
    assert "The provided cell `run_training` raised RuntimeError" in output
    assert "needs the cost as one number" in output
    assert output.count("The provided cell") == 1  # the later cells' failures follow from it


def _cell_source(notebook, grade_id: str) -> str:
    return next(c.source for c in notebook.cells if support.grade_id(c) == grade_id)


def test_training_slope_bias_converged_cell_holds_training_to_the_reference_runs_values():
    """The visible check of test_converged uses the reference run's values, with a tolerance that means something:
    a bias a third of a unit off (which the old check let through) fails it."""
    import torch

    visible = _cell_source(support.release_notebook("training_slope_bias"), "test_converged")
    reached = {"torch": torch, "w": torch.tensor(0.9980), "b": torch.tensor(-1.3266)}
    exec(visible, reached)
    off = {"torch": torch, "w": torch.tensor(0.9980), "b": torch.tensor(-1.0)}
    try:
        exec(visible, off)
    except AssertionError as failure:
        assert "-1.3266" in str(failure)
    else:
        raise AssertionError("a bias of -1.0 after 15 epochs passed the visible check")


def test_the_contour_plot_draws_w_and_b_to_the_same_scale():
    """The text says each step leaves its contour at a right angle: the plot must draw the axes equally."""
    from tests.test_hostile_values import SolutionRun

    run = SolutionRun("training_slope_bias")
    exec(_cell_source(support.source_notebook("training_slope_bias"), "plot_results"), run.namespace)
    assert run.namespace["ax"].get_aspect() == 1.0


def test_early_stopping_is_shown_on_a_model_fitting_its_training_noise():
    """The validation loss turns up for a reason a student can see: the training loss falls below the
    noise level (variance 1), so the model is fitting noise, and the useless inputs' weights grow."""
    from tests.test_hostile_values import SolutionRun

    ns = SolutionRun("best_practices").namespace
    full = ns["history_full"]
    assert full["train_loss"][-1] < 0.5 < 1.0 < full["val_loss"][-1]
    assert full["val_loss"][-1] > 1.15 * min(full["val_loss"])
    assert full["best_epoch"] < len(full["val_loss"]) - 50
    assert float(ns["kept"].mean()) < 0.9 * float(ns["trained_on"].mean())
    assert len(ns["history"]["val_loss"]) == ns["history"]["best_epoch"] + 21  # stopped patience = 20 epochs later


def test_the_early_stopping_stub_shows_its_method_signatures():
    """Like LR's, the EarlyStopping stub a student starts from names its methods and their arguments."""
    import ast

    stub = ast.parse(_cell_source(support.release_notebook("best_practices"), "EarlyStopping"))
    cls = next(node for node in stub.body if isinstance(node, ast.ClassDef) and node.name == "EarlyStopping")
    methods = {f.name: [a.arg for a in f.args.args] for f in cls.body if isinstance(f, ast.FunctionDef)}
    assert methods == {"__init__": ["self", "patience", "min_delta"], "step": ["self", "val_loss", "model"]}
