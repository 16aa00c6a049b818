"""Dask distributed as the engine: a cluster for the run, tasks out, results streamed back.

By default a ``LocalCluster`` (one single-threaded worker process per core) is started for the run
and stopped after it. ``scheduler="tcp://host:8786"`` (or ``DASK_SCHEDULER_ADDRESS``) uses an
existing Dask cluster instead (on Kubernetes, an HPC queue, a cloud service); its workers need
simk8s installed, nothing else: tasks carry plain data, never paths on this machine.

dask is imported inside these functions, not at module level: it is an optional dependency
(the ``sweep`` extra) and ``import simk8s`` must stay light.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TextIO

__all__ = ["EngineError", "Progress", "open_client", "stream"]


class EngineError(RuntimeError):
    """The engine cannot start (dask missing, scheduler unreachable); the message is one line."""


def _distributed() -> Any:
    try:
        import distributed  # optional dependency: pip install 'simk8s[sweep]'
    except ImportError:
        raise EngineError("sweeps need dask distributed: pip install 'simk8s[sweep]'") from None
    return distributed


def scheduler_address(scheduler: str | None) -> str | None:
    """The explicit address, else ``DASK_SCHEDULER_ADDRESS``, else None (start a LocalCluster)."""
    return scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS") or None


@contextlib.contextmanager
def open_client(scheduler: str | None = None, workers: int | None = None) -> Iterator[Any]:
    """A ``distributed.Client``: to ``scheduler`` if given, else to a LocalCluster started here with
    ``workers`` single-threaded worker processes (default: one per core)."""
    distributed = _distributed()
    address = scheduler_address(scheduler)
    if address:
        try:
            client = distributed.Client(address, timeout="10s")
        except (OSError, TimeoutError, ValueError) as e:   # unreachable, or not an address
            raise EngineError(f"cannot reach the Dask scheduler at {address}: {' '.join(str(e).split())}") from None
        with client:
            yield client
        return
    n = workers or os.cpu_count() or 1
    # One thread per worker: a run is pure-Python CPU work (threads would share one GIL), and
    # hypothesis, which campaigns run, is not thread-safe.
    cluster = distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                       dashboard_address="127.0.0.1:0", silence_logs=logging.CRITICAL)
    with cluster, distributed.Client(cluster) as client:
        # Every worker up before the first task (on a loaded machine some start late, and a
        # sweep would run on fewer workers than it asked for).
        client.wait_for_workers(n, timeout=120)
        yield client


def workers_of(client: Any) -> int:
    return len(client.scheduler_info().get("workers", {}))


def stream(client: Any, fn: Callable[..., Any], shared: Any, items: Sequence[Any],
           on_result: Callable[[Any, Any], None], on_error: Callable[[Any, str], None],
           stop: Callable[[], bool] = lambda: False) -> None:
    """Run ``fn(shared, item)`` for every item on the cluster; call ``on_result(item, result)`` as
    each finishes (in completion order), or ``on_error(item, traceback)`` when the task itself failed
    (a worker died, the result did not arrive). ``stop()`` true cancels what is left."""
    distributed = _distributed()
    if not items:
        return
    # The shared part (the spec: the scenario's files) goes to every worker once, not once per task.
    shared_f = client.scatter(shared, broadcast=True, hash=False)
    futures = client.map(fn, [shared_f] * len(items), list(items), pure=False)
    pending = dict(zip(futures, items, strict=True))
    done = distributed.as_completed(list(pending))
    try:
        for fut in done:
            item = pending.pop(fut)
            try:
                result = fut.result()
            except Exception as e:
                on_error(item, "".join(traceback.format_exception(e)))
            else:
                on_result(item, result)
            fut.release()
            if stop():
                break
    finally:
        if pending:
            client.cancel(list(pending))


class Progress:
    """A one-line progress bar on a terminal (nothing when ``out`` is not one)."""

    def __init__(self, total: int, label: str, out: TextIO | None = None, enabled: bool | None = None) -> None:
        self.out = out or sys.stderr
        self.enabled = self.out.isatty() if enabled is None else enabled
        self.total, self.label = total, label
        self.done = self.errors = 0
        self.start = time.monotonic()
        self._shown = 0.0

    def update(self, error: bool = False) -> None:
        self.done += 1
        self.errors += int(error)
        now = time.monotonic()
        if self.enabled and (now - self._shown > 0.1 or self.done == self.total):
            self._shown = now
            rate = self.done / max(now - self.start, 1e-9)
            eta = (self.total - self.done) / rate if rate else 0.0
            width = 30
            filled = int(width * self.done / max(self.total, 1))
            self.out.write(f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total}"
                           f"  {self.errors} failed  {rate:.1f}/s  ETA {eta:.0f}s ")
            self.out.flush()

    def close(self) -> None:
        if self.enabled:
            self.out.write("\n")
            self.out.flush()
