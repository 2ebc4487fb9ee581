"""Preloaded into the test cluster's workers (``--preload tests.cluster_poison``):
the submission of a student named ``poison`` kills the worker process that is
handed it, as the kernel's out-of-memory killer would on a real cluster.
Nothing else changes: every other task runs the grader's own ``grade_task``."""

import os
import signal

POISON = "poison"


def dask_setup(worker) -> None:
    from autograder import cluster

    grade_task = cluster.grade_task

    def grade_task_or_die(name, student_id, *args, **kwargs):
        if student_id == POISON:
            os.kill(os.getpid(), signal.SIGKILL)
        return grade_task(name, student_id, *args, **kwargs)

    cluster.grade_task = grade_task_or_die
