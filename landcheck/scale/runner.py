"""Running tasks: the dask client (a scheduler's, or a local cluster of processes), the task runner
that gives results in submission order, and the work folder the parts are written to.

Knows no check: the engines give it functions and their arguments.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ..config import vocabulary
from ..errors import LandcheckError
from ..progress import Advance

#: Pass as `client` to run the tasks one after the other in this process, without dask (debugging, tests).
IN_PROCESS = "in-process"

#: A step callback: the name of the step that begins.
Step = Callable[[str], None]


@contextmanager
def dask_client(scheduler: str | None = None, n_workers: int = 2, *, memory_limit: str | float = "auto",
                timeout: float = 30.0):
    """A `distributed.Client`: connected to `scheduler` (e.g. tcp://10.0.0.5:8786) when given, else
    to a `LocalCluster` of `n_workers` processes with one thread each on this machine. Closed (and the
    local cluster shut down) on exit."""
    import logging

    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise LandcheckError("the dask engine needs dask, distributed and dask-geopandas: "
                             "pip install 'landcheck[dask]' (on every worker too).") from None
    # the scheduler's and client's INFO lines ("Scheduler closing all comms" …) only with -v: the level of
    # landcheck's own log (WARNING unless -v), never more talkative than it
    level = max(logging.getLogger("landcheck").getEffectiveLevel(), logging.getLogger().getEffectiveLevel())
    for name in ("distributed", "distributed.scheduler", "distributed.core", "distributed.nanny", "distributed.worker",
                 "distributed.http.proxy", "distributed.batched", "distributed.client"):
        logging.getLogger(name).setLevel(max(level, logging.WARNING) if level > logging.INFO else level)
    if level > logging.INFO:  # "Port 8787 is already in use …": distributed's own business, not the officer's
        import warnings

        warnings.filterwarnings("ignore", category=UserWarning, module=r"distributed(\..*)?")

    if scheduler:
        try:
            client = Client(scheduler, timeout=timeout)
        except (OSError, TimeoutError) as exc:
            raise LandcheckError(f"cannot reach the dask scheduler at {scheduler} ({str(exc).splitlines()[0][:200]}). "
                                 f"Start one with `dask scheduler` and workers with `dask worker {scheduler}`, "
                                 f"or leave out --scheduler to run on this machine.") from None
        try:
            yield client
        finally:
            client.close()
        return
    cluster = None
    try:
        with sigint_ignored():  # the worker processes inherit it: Ctrl-C reaches this process only, which stops them
            cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None,
                                   memory_limit=memory_limit, silence_logs=logging.ERROR)
        client = Client(cluster, timeout=timeout)
        try:
            yield client
        finally:
            client.close()
    except KeyboardInterrupt:
        names = [n for n in logging.root.manager.loggerDict if n.startswith("distributed")]
        for name in ("distributed", "asyncio", "tornado", *names):  # an interrupted cluster's shutdown logs lost tasks
            logging.getLogger(name).setLevel(logging.CRITICAL + 1)
        ignore_sigint()  # … and a second Ctrl-C would break it off with a traceback
        raise
    finally:
        if cluster is not None:
            cluster.close()


def ignore_sigint() -> None:
    """Ignore SIGINT from now on (in the main thread only: elsewhere it cannot be set)."""
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextmanager
def sigint_ignored() -> Iterator[None]:
    """SIGINT ignored inside (in the main thread; elsewhere nothing changes): the processes started
    here (dask's workers) inherit it, so that Ctrl-C in a terminal (sent to every process of the group)
    interrupts this process only, which shuts them down in order. (A signal mask would not do: the
    workers are started from other threads. A Ctrl-C while the local cluster starts is lost: press it again.)"""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def run_tasks(client, fn, args: list[tuple], shared: list, label: str, progress: Advance | None,
              step: Step | None) -> list:
    """fn(q, *shared, *rest) for each (q, *rest) in args: here one after the other (client None) or
    as dask tasks (`shared` then holds futures of scattered objects). Results in the order of `args`."""
    n = len(args)
    if step and n:
        step(vocabulary().label("scale_tasks", label=label, n=n))
    out: list = [None] * n
    if client is None:
        for k, a in enumerate(args):
            out[k] = fn(a[0], *shared, *a[1:])
            if progress:
                progress(k + 1, n)
        return out
    from distributed import as_completed

    run = uuid.uuid4().hex
    futures = [client.submit(fn, a[0], *shared, *a[1:], key=f"landcheck-{fn.__name__.strip('_')}-{k}-{run}", pure=False,
                             retries=1) for k, a in enumerate(args)]
    index = {f.key: k for k, f in enumerate(futures)}
    try:
        for done, fut in enumerate(as_completed(futures), start=1):
            out[index[fut.key]] = fut.result()
            fut.release()
            if progress:
                progress(done, n)
    finally:
        for f in futures:
            f.cancel()
    return out


def share(client, objects: list) -> list:
    """The objects every task receives: as they are without a client, else scattered to every worker
    once (futures)."""
    if client is None:
        return list(objects)
    return [client.scatter([x], broadcast=True, hash=False)[0] for x in objects]


@contextmanager
def task_client(client, scheduler: str | None, n_workers: int) -> Iterator:
    """The client to run tasks on: `client` when given (None for `IN_PROCESS`: the tasks run here),
    else a new `dask_client(scheduler, n_workers)`, closed on exit."""
    if client is not None:
        yield None if isinstance(client, str) and client == IN_PROCESS else client
        return
    with dask_client(scheduler, n_workers) as c:
        yield c


@contextmanager
def work_folder(work_dir: str | Path | None, needed: bool = True) -> Iterator[Path | None]:
    """`work_dir` (created when missing), or a temporary folder removed on exit when it is None (None
    when not `needed`)."""
    if work_dir is not None:
        Path(work_dir).mkdir(parents=True, exist_ok=True)
    if work_dir is not None or not needed:
        yield Path(work_dir) if work_dir is not None else None
        return
    tmp = Path(tempfile.mkdtemp(prefix="landcheck-dask-"))
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
