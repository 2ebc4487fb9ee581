"""What a student is told when their code did not run to the end.

Every wording for an outcome other than "it ran" lives here: a cell or a
check that timed out, stopped the Python process (crashed) or ran out of
memory, and the "That means ..." sentence that explains a raised error in the
course's terms (``errors.meaning``). Three places show them:

* a failed check, when the probe it sent did not come back
  (``checking.StudentTimedOut``, ``StudentCrashed``, ``StudentRaised``);
* why an answer cell did not define what a check needs
  (``harness.Notebook.cell_problem``);
* the general notes of a result (``grade``), one per cell that timed out,
  crashed or ran out of memory.

Each function returns the text only; deciding *which* outcome happened stays
with its caller. Tests compare these messages word for word.
"""

from __future__ import annotations

# ------------------------------------------------------------ any explanation


def that_means(explanation: str) -> str:
    """The sentence that explains a raised error (an ``errors.Meaning.explanation``)."""
    return f"That means {explanation}"


# ------------------------------------------------------ a check's probe (what)


def probe_timed_out(what: str, seconds: float) -> str:
    """``what`` (the student code a check called) ran past the time limit."""
    return (f"{what} did not finish within {seconds:g} seconds and was stopped "
            "(an infinite loop, or far too many iterations?).")


def probe_crashed(what: str) -> str:
    """``what`` stopped the student's process without saying why."""
    return (f"{what} stopped the Python process (sys.exit, os._exit, or running out "
            "of memory?), so nothing could be checked.")


def probe_sent_nothing(what: str, reason: str) -> str:
    """``what`` ended without a usable answer, for the known ``reason``."""
    return f"{what} gave the grader nothing it could check: {reason}."


def probe_out_of_memory(what: str) -> str:
    """``what`` raised a MemoryError (it asked for more than the memory limit)."""
    return (f"{what} exceeded the memory limit (it tried to allocate more memory than a "
            "submission may use). Check the sizes of the tensors it creates.")


# ------------------------------------------- an answer cell (why a check failed)


def cell_timed_out(grade_id: str) -> str:
    """The answer cell ``grade_id`` was stopped at its time limit (a clause: no capital, no stop)."""
    return f"your `{grade_id}` cell did not finish within its time limit and was stopped"


def cell_crashed(grade_id: str) -> str:
    """The answer cell ``grade_id`` stopped the process (a clause)."""
    return f"your `{grade_id}` cell stopped the Python process"


def cell_raised(grade_id: str, error, explanation: str | None = None) -> str:
    """The answer cell ``grade_id`` raised ``error``, with what it means when that is known (a clause)."""
    text = f"your `{grade_id}` cell raised {error}"
    return text if explanation is None else f"{text}. {that_means(explanation)}"


# ------------------------------------------------- a result's notes (per cell)


def note_timed_out(label: str, seconds: float) -> str:
    """Cell ``label`` was stopped after ``seconds``; the rest of the notebook was graded."""
    return (f"The cell `{label}` did not finish within {seconds:g} s and was "
            "stopped; the rest of the notebook was graded without it.")


def note_crashed(label: str) -> str:
    """Cell ``label`` stopped the process; the notebook was replayed without it."""
    return (f"The cell `{label}` stopped the Python process (sys.exit, os._exit, or "
            "running out of memory or CPU time); the rest of the notebook was graded "
            "without it.")


def note_out_of_memory(label: str, memory_mb: int) -> str:
    """Cell ``label`` raised a MemoryError under the limit of ``memory_mb``."""
    return (f"The cell `{label}` exceeded the memory limit "
            f"({memory_mb} MB) and was stopped there.")
