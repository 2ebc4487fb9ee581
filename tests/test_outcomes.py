"""The outcome messages, word for word: students and tests rely on them."""

from autograder import outcomes


def test_a_probes_outcomes():
    assert outcomes.probe_timed_out("forward(x)", 2.5) == (
        "forward(x) did not finish within 2.5 seconds and was stopped (an infinite loop, or far too many "
        "iterations?).")
    assert outcomes.probe_crashed("f()") == (
        "f() stopped the Python process (sys.exit, os._exit, or running out of memory?), so nothing could "
        "be checked.")
    assert outcomes.probe_sent_nothing("f()", "its reply was too large") == (
        "f() gave the grader nothing it could check: its reply was too large.")
    assert outcomes.probe_out_of_memory("f()") == (
        "f() exceeded the memory limit (it tried to allocate more memory than a submission may use). Check "
        "the sizes of the tensors it creates.")


def test_an_answer_cells_outcomes():
    assert outcomes.cell_timed_out("forward") == (
        "your `forward` cell did not finish within its time limit and was stopped")
    assert outcomes.cell_crashed("forward") == "your `forward` cell stopped the Python process"
    assert outcomes.cell_raised("forward", "ValueError: x") == "your `forward` cell raised ValueError: x"
    assert outcomes.cell_raised("forward", "ValueError: x", "it is wrong.") == (
        "your `forward` cell raised ValueError: x. That means it is wrong.")


def test_a_results_notes():
    assert outcomes.note_timed_out("train", 30.0) == (
        "The cell `train` did not finish within 30 s and was stopped; the rest of the notebook was graded "
        "without it.")
    assert outcomes.note_crashed("train") == (
        "The cell `train` stopped the Python process (sys.exit, os._exit, or running out of memory or CPU "
        "time); the rest of the notebook was graded without it.")
    assert outcomes.note_out_of_memory("train", 2048) == (
        "The cell `train` exceeded the memory limit (2048 MB) and was stopped there.")


def test_checks_and_the_harness_use_them():
    from autograder.checking import StudentCrashed, StudentTimedOut

    assert StudentTimedOut("f()", 3).message == outcomes.probe_timed_out("f()", 3)
    assert StudentCrashed("f()").message == outcomes.probe_crashed("f()")
    assert StudentCrashed("f()", "gone").message == outcomes.probe_sent_nothing("f()", "gone")
