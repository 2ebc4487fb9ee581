"""Grade on a Dask cluster: the same steps and results as a local run, spread over workers.

Two sides, one module (so that a worker and a client always speak the same version):

* **The worker** (``python -m autograder worker tcp://SCHEDULER:8786``, or any
  ``dask worker --preload autograder.cluster``) gets a :class:`GraderPlugin`: one
  :class:`~autograder.pipeline.Worker` per Dask worker process, whose fork
  server is started by exec (a single-threaded process of its own, never a
  fork of the multi-threaded Dask worker) and imports torch once. Limits and
  isolation are enforced there, exactly as on one machine: Dask has no task
  timeout, the fork server has one per cell and per check.
* **The client** (``grade ... --scheduler ADDRESS``) is the only writer of the
  output folder. It sends each submission's bytes and gets back plain JSON (a
  ``results.json``'s text): no pickled student object or exception class
  crosses the wire. Results are written atomically as they stream in
  (``as_completed``), with a bounded number of submissions in flight.

A task's key is its result key (student, notebook hash and grader fingerprint),
so a result delivered twice is written once and a rerun skips what is complete.
A worker that dies mid-run loses nothing: Dask reschedules its tasks. A
submission that keeps killing the workers it runs on gets, once Dask's allowed
failures (``distributed.scheduler.allowed-failures``) are spent, a result saying
so, and the batch goes on.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import sys
import tempfile
from pathlib import Path
from typing import Callable

from autograder.sandbox.limits import Limits

#: The plugin's name on each worker.
PLUGIN = "autograder"
#: Submissions in flight per worker thread: enough to keep every worker busy, few
#: enough that a class's notebooks are not all held in the cluster's memory at once.
IN_FLIGHT_PER_THREAD = 4
#: Seconds to wait for the scheduler, and for its first worker.
CONNECT_SECONDS = 20.0
WORKER_SECONDS = 60.0


class ClusterError(RuntimeError):
    """The cluster cannot grade: unreachable scheduler, no workers, or workers
    with another grader. Said before anything is graded."""


# --------------------------------------------------------------------- worker


class GraderPlugin:
    """What a Dask worker process keeps between tasks: its grader (sandbox and
    reference runs, for the limits of the last client), the plans, and the course
    folders it made for the source notebooks clients sent. A ``distributed.WorkerPlugin``."""

    name = PLUGIN

    def __init__(self):
        self.limits: Limits | None = None
        self.worker = None
        self.plans: dict[tuple[str, Path], object] = {}
        _remove_dead_workers_scratch()
        self.scratch = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-"))

    def setup(self, worker=None) -> None:
        self.grader(Limits()).ensure_sandbox()  # torch is imported now, not on the first task

    def teardown(self, worker=None) -> None:
        import shutil

        if self.worker is not None:
            self.worker.reset_sandbox()
        shutil.rmtree(self.scratch, ignore_errors=True)

    def grader(self, limits: Limits):
        """The grader for ``limits`` (a client with other limits gets a fork server started with them)."""
        from autograder.pipeline import Worker

        if limits != self.limits:
            if self.worker is not None:
                self.worker.reset_sandbox()
            self.worker, self.limits = Worker(limits, (str(self.scratch),)), limits
        return self.worker

    def plan(self, name: str, source: bytes):
        """The pipeline's plan for ``name`` with this source notebook (made once)."""
        from autograder import assignments, pipeline

        root = self.course(name, source)
        if (name, root) not in self.plans:
            self.plans[(name, root)] = pipeline.plan(assignments.Assignment(name, root))
        return self.plans[(name, root)]

    def course(self, name: str, source: bytes) -> Path:
        """A course folder holding ``source`` as the source notebook of ``name``."""
        root = self.scratch / f"course-{hashlib.sha256(source).hexdigest()[:16]}"
        notebook = root / "source" / name / f"{name}.ipynb"
        if not notebook.exists():
            notebook.parent.mkdir(parents=True, exist_ok=True)
            (root / "nbgrader_config.py").write_text("c = get_config()  # noqa: F821\n")
            partial = notebook.with_suffix(".tmp")
            partial.write_bytes(source)
            partial.replace(notebook)
        return root


#: A worker's scratch folder is ``<tmp>/autograder-worker-<pid>-<random>``: the pid tells whose it is.
SCRATCH_PREFIX = "autograder-worker-"


def _remove_dead_workers_scratch() -> None:
    """Remove the scratch folders of this user's workers that died without their
    teardown (SIGKILL, the out-of-memory killer): they hold copies of source
    notebooks and of submissions."""
    import shutil

    for folder in Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}*-*"):
        pid = folder.name[len(SCRATCH_PREFIX):].split("-", 1)[0]
        try:
            if not pid.isdigit() or folder.stat().st_uid != os.getuid():
                continue
            os.kill(int(pid), 0)  # that worker is alive
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue


def dask_setup(worker) -> None:
    """``dask worker --preload autograder.cluster`` calls this in each worker process."""
    plugin = GraderPlugin()
    plugin.setup(worker)
    worker.plugins[PLUGIN] = plugin


def _plugin(worker=None) -> GraderPlugin:
    if worker is None:
        from distributed import get_worker

        worker = get_worker()
    plugin = worker.plugins.get(PLUGIN)
    if plugin is None:  # a worker started without the preload: give it one now
        plugin = worker.plugins[PLUGIN] = GraderPlugin()
    return plugin


def identity(name: str, source: bytes, dask_worker=None) -> dict:
    """What a worker grades with (``client.run`` calls it on each): the grader's
    fingerprint for this source notebook, and the versions that could change a result."""
    import torch

    from autograder import assignments
    from autograder.fingerprint import grader_fingerprint

    root = _plugin(dask_worker).course(name, source)
    return {"fingerprint": grader_fingerprint(assignments.Assignment(name, root)),
            "python": platform.python_version(), "torch": torch.__version__}


def grade_task(name: str, student_id: str, filename: str, notebook: bytes | None, problem: str | None,
               source: bytes, limits: dict, key: str) -> str:
    """Grade one submission on this worker; return its ``results.json`` data as JSON text."""
    from autograder import pipeline
    from autograder.results import SubmissionResult

    plugin = _plugin()
    limits = Limits.from_message(limits)
    path = None
    if notebook is not None:
        folder = Path(tempfile.mkdtemp(prefix="submission-", dir=plugin.scratch))
        path = folder / filename
        path.write_bytes(notebook)
    made: list[SubmissionResult] = []
    try:
        sub = pipeline.Submission(student_id, path, problem, key)
        pipeline.grade_submissions(plugin.grader(limits), plugin.plan(name, source), [sub], made.append)
    except Exception as exc:  # noqa: BLE001 - the student gets a result, the worker goes on
        pipeline.report_failure(exc, 1)
        made = [pipeline.internal_failure(name, plugin.plan(name, source).cells, student_id, exc)]
    finally:
        if path is not None:
            import shutil

            shutil.rmtree(path.parent, ignore_errors=True)
    return json.dumps(made[0].to_json())


def worker_main(scheduler: str, extra: list[str]) -> int:
    """``python -m autograder worker SCHEDULER``: one Dask worker process (under a
    nanny that restarts it if it dies) with this grader preloaded."""
    command = [sys.executable, "-m", "distributed.cli.dask_worker", scheduler, "--nworkers", "1",
               "--nthreads", "1", "--preload", "autograder.cluster", "--no-dashboard", *extra]
    os.execv(sys.executable, command)
    return 1  # not reached


# --------------------------------------------------------------------- client


def connect(scheduler: str | None = None, scheduler_file: Path | None = None):
    """A ``distributed.Client`` for the scheduler, with a clear error when it
    cannot be reached or has no workers."""
    from distributed import Client

    where = scheduler or f"the scheduler file {scheduler_file}"
    try:
        if scheduler_file is not None:
            client = Client(scheduler_file=str(scheduler_file), timeout=CONNECT_SECONDS)
        else:
            client = Client(scheduler, timeout=CONNECT_SECONDS)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {where} ({type(exc).__name__}: {exc}). "
                           "Start it with `dask scheduler`, check the address (tcp://HOST:8786) and that "
                           "this machine may connect to it.") from None
    try:
        client.wait_for_workers(1, timeout=WORKER_SECONDS)
    except (TimeoutError, OSError):
        client.close()
        raise ClusterError(f"the scheduler at {where} has no workers after {WORKER_SECONDS:g} s: start some "
                           "with `python -m autograder worker ADDRESS` on each machine.") from None
    return client


def ready() -> str:
    """A task that does nothing: it tells whether the scheduler can load this module."""
    return "ready"


def check_workers(client, name: str, source: bytes, expected: str) -> None:
    """Every worker must grade with this grader: the same fingerprint and versions;
    and the scheduler must be able to load it (it reads each task's function)."""
    import uuid

    import torch

    try:
        client.submit(ready, key=f"autograder-ready-{uuid.uuid4().hex}", pure=False).result(timeout=WORKER_SECONDS)
    except Exception as exc:  # noqa: BLE001 - whatever it is, nothing can be graded
        raise ClusterError(f"the Dask cluster cannot run the grader's tasks ({type(exc).__name__}: "
                           f"{str(exc)[:300]}). Install the grader in the environment `dask scheduler` and "
                           "every worker run in (pip install it there), then start them again.") from None

    want = {"fingerprint": expected, "python": platform.python_version(), "torch": torch.__version__}
    found = client.run(identity, name, source)
    wrong = {address: got for address, got in found.items() if got != want}
    if wrong:
        lines = "; ".join(f"{address}: " + ", ".join(f"{k} {got.get(k)} (here {want[k]})"
                                                     for k in want if got.get(k) != want[k])
                          for address, got in sorted(wrong.items()))
        raise ClusterError(f"{len(wrong)} of {len(found)} workers would grade differently from this grader: "
                           f"{lines}. Install the same grader (and versions) on every worker and restart it.")


def task_key(sub) -> str:
    """A submission's task key: its result key (which names the grader and the
    notebook) and its student (whose checks draw inputs of their own)."""
    return f"autograder-{sub.student_id}-{sub.key}"


def student_of_key(key: str) -> str | None:
    """The student of a :func:`task_key` (result keys are ``<16 hex>-<16 hex>``)."""
    if not key.startswith("autograder-") or len(key) < len("autograder-") + 35:
        return None
    return key[len("autograder-"):-34]


def grade_on_cluster(client, name: str, source: bytes, cells: dict[str, float], submissions: list, limits: Limits,
                     write: Callable) -> None:
    """Grade ``submissions`` on the cluster; ``write`` each ``SubmissionResult``
    once, as it arrives. Runs in the client, the only writer. ``cells`` are the
    test cells' points (for the result of a submission the cluster could not grade)."""
    from distributed import as_completed
    from distributed.client import FutureCancelledError
    from distributed.scheduler import KilledWorker

    from autograder.pipeline import internal_failure, report_failure
    from autograder.results import SubmissionResult

    threads = sum(client.nthreads().values()) or 1
    window = max(2, IN_FLIGHT_PER_THREAD * threads)
    # The source notebook goes with each task (tens of kB): data scattered to workers would be
    # lost with them, and every task waiting on it with it.
    wire_limits = limits.to_message()
    todo = iter(submissions)
    by_key: dict[str, object] = {}
    written: set[str] = set()

    def submit(sub):
        data = sub.path.read_bytes() if sub.path is not None else None
        filename = sub.path.name if sub.path is not None else ""
        key = task_key(sub)
        by_key[key] = sub
        return client.submit(grade_task, name, sub.student_id, filename, data, sub.problem, source, wire_limits,
                             sub.key, key=key, pure=False, retries=0)

    running = as_completed([submit(s) for _, s in zip(range(window), todo)])
    for future in running:
        sub = by_key[future.key]
        try:
            result = SubmissionResult.from_json(json.loads(future.result()))
        except KilledWorker:
            result = _killed_its_workers(name, sub, cells)
        except (FutureCancelledError, Exception) as exc:  # noqa: BLE001 - its student still gets a result
            report_failure(exc, 1)
            result = internal_failure(name, cells, sub.student_id, exc)
        future.release()
        if future.key not in written:
            written.add(future.key)
            write(result)
        following = next(todo, None)
        if following is not None:
            running.add(submit(following))


def _killed_its_workers(name: str, sub, cells: dict[str, float]):
    from distributed import config

    from autograder.results import SubmissionResult

    tries = config.get("distributed.scheduler.allowed-failures", 3) + 1
    return SubmissionResult(sub.student_id, name, cells=dict(cells),
                            load_error=(f"Grading this notebook stopped the grader's worker process {tries} times "
                                        "(the whole process, not just your code: it may use far more memory than "
                                        "the machine has), so it was not graded. Your instructor has been told."))
