"""What a probe may use: its whole world, defined once.

A probe is a small function a hidden check sends into a copy of the student's
process (``autograder/probes/``). It is public by design: it only calls the
student's code with the inputs it is given and returns what came back, as data.
It is run as ``probe(ns, **inputs)`` with ``ns`` the student's globals (a
:class:`StudentNamespace`), and its module globals are exactly :data:`NAMES`
(plus builtins). ``tests/test_probes.py`` checks every probe against this list.
"""

from __future__ import annotations

import builtins
import math
import shutil
import tempfile

import matplotlib.axes
import matplotlib.figure
import matplotlib.pyplot as plt
import numpy as np
from torch.utils.tensorboard import SummaryWriter
import torch

from autograder import codec


class StudentNamespace:
    """The student's globals as a probe sees them: a missing name raises
    ``NameError`` (as it would in the notebook), not ``KeyError``."""

    def __init__(self, namespace: dict):
        self._ns = namespace

    def __getitem__(self, name):
        try:
            return self._ns[name]
        except KeyError:
            raise NameError(f"name {name!r} is not defined") from None

    def __setitem__(self, name, value):
        self._ns[name] = value

    def __contains__(self, name):
        return name in self._ns

    def get(self, name, default=None):
        return self._ns.get(name, default)


def describe_axes(ax) -> dict:
    """Plain data about a matplotlib ``Axes``: what a check needs to judge a plot."""
    if not isinstance(ax, matplotlib.axes.Axes):
        return {"is_axes": False, "type": codec.type_name(ax)}
    lines = [
        {"x": np.asarray(line.get_xdata(), dtype=float).tolist(),
         "y": np.asarray(line.get_ydata(), dtype=float).tolist(),
         "label": str(line.get_label())}
        for line in ax.get_lines()
    ]
    collections = []
    for coll in ax.collections:
        entry = {"type": type(coll).__name__}
        try:
            entry["offsets"] = np.asarray(coll.get_offsets(), dtype=float).tolist()
        except Exception:  # noqa: BLE001
            entry["offsets"] = []
        if hasattr(coll, "get_paths"):
            entry["n_paths"] = len(coll.get_paths())
        collections.append(entry)
    figure = ax.figure
    return {
        "is_axes": True,
        "xlabel": ax.get_xlabel(), "ylabel": ax.get_ylabel(), "title": ax.get_title(),
        "lines": lines, "collections": collections,
        "n_contour_sets": sum(1 for c in ax.collections if type(c).__name__ in ("QuadContourSet", "ContourSet")),
        # a probe starts with every figure closed: an Axes of a closed pyplot figure was made
        # before the call (a global ax from an earlier cell)
        "stale": hasattr(figure, "number") and figure.number not in plt.get_fignums(),
    }


def plotted_axes(value):
    """(the Axes a plot function drew on, what it returned): ``axes``, ``figure``
    (a Figure: its first Axes), or the type's name, when it returned something
    else but drew (then the Axes it drew on last)."""
    if isinstance(value, matplotlib.axes.Axes):
        return value, "axes"
    if isinstance(value, matplotlib.figure.Figure) and value.get_axes():
        return value.get_axes()[0], "figure"
    drawn = [ax for n in plt.get_fignums() for ax in plt.figure(n).get_axes()]
    return (drawn[-1] if drawn else None), ("None" if value is None else codec.type_name(value))


def describe_plot(value) -> dict:
    """:func:`describe_axes` of what a plot function drew, with what it returned (``returned``)."""
    ax, returned = plotted_axes(value)
    info = describe_axes(ax) if ax is not None else {"is_axes": False, "type": returned}
    return dict(info, returned=returned)


#: The names a probe's code may use besides builtins, and what each is.
def fresh_log_dir() -> str:
    """A new, empty folder for a TensorBoard log, in the (sandbox's private) /tmp."""
    return tempfile.mkdtemp(prefix="runs-")


def tensorboard_scalars(log_dir: str) -> list[list]:
    """Every scalar in the TensorBoard event files of ``log_dir``, read with TensorBoard's own
    reader, as ``[tag, step, value]``; the folder is removed afterwards."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(log_dir)
    events.Reload()
    found = [[tag, float(e.step), float(e.value)] for tag in events.Tags()["scalars"] for e in events.Scalars(tag)]
    shutil.rmtree(log_dir, ignore_errors=True)
    return found


NAMES = {
    "torch": "the real torch (whatever the student patched was put back)",
    "nn": "torch.nn",
    "np": "numpy",
    "plt": "matplotlib.pyplot",
    "math": "math",
    "describe_axes": "describe_axes(ax) -> dict: the lines, labels and contours of a matplotlib Axes",
    "describe_plot": "describe_plot(value) -> dict: describe_axes of what a plot function drew, and what it returned",
    "plotted_axes": "plotted_axes(value) -> (Axes or None, what was returned): the Axes a plot function drew on",
    "SNAPSHOTS": "SNAPSHOTS[grade_id][name]: copies of globals taken right after a cell ran "
                 "(the assignment's SNAPSHOT_AFTER)",
    "SummaryWriter": "torch.utils.tensorboard.SummaryWriter, TensorBoard's writer",
    "fresh_log_dir": "fresh_log_dir() -> str: a new, empty folder for a TensorBoard log in /tmp",
    "tensorboard_scalars": "tensorboard_scalars(log_dir) -> [[tag, step, value], ...]: the scalars of the event "
                           "files there, read with TensorBoard's reader (the folder is removed)",
}


def probe_globals(snapshots: dict) -> dict:
    """A fresh module namespace for one probe's code: :data:`NAMES`, nothing else."""
    scope = {"torch": torch, "nn": torch.nn, "np": np, "plt": plt, "math": math,
             "describe_axes": describe_axes, "describe_plot": describe_plot, "plotted_axes": plotted_axes,
             "SNAPSHOTS": snapshots, "SummaryWriter": SummaryWriter, "fresh_log_dir": fresh_log_dir,
             "tensorboard_scalars": tensorboard_scalars, "__builtins__": builtins}
    assert set(scope) - {"__builtins__"} == set(NAMES)
    return scope
