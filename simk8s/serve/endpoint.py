"""``Endpoint``: a served cluster for Python callers (``with cluster.serve() as endpoint:``).

The server and the simulation run on one asyncio loop in one background thread, which owns the
cluster while it is served: the calling thread must not touch the cluster directly in the
meantime and uses :meth:`Endpoint.call` instead (it runs a function on the loop, between two
simulation steps, and returns its result).
"""

from __future__ import annotations

import asyncio
import tempfile
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from simk8s.serve.app import Server

if TYPE_CHECKING:
    from simk8s.cluster import Cluster

__all__ = ["Endpoint", "kubeconfig_text", "wall_epoch", "write_kubeconfig"]

T = TypeVar("T")


def wall_epoch() -> datetime:
    """Now, to the second: the epoch that makes a live cluster's timestamps read as the wall clock."""
    return datetime.now(UTC).replace(microsecond=0)


def kubeconfig_text(url: str, name: str = "simk8s") -> str:
    return (f"apiVersion: v1\nkind: Config\nclusters:\n- name: {name}\n  cluster:\n    server: {url}\n"
            f"users:\n- name: {name}\n  user:\n    token: {name}\n"
            f"contexts:\n- name: {name}\n  context:\n    cluster: {name}\n    user: {name}\n    namespace: default\n"
            f"current-context: {name}\npreferences: {{}}\n")


def write_kubeconfig(path: str | Path, url: str) -> Path:
    p = Path(path).expanduser().resolve()
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(kubeconfig_text(url))
    return p


class Endpoint:
    """A running server; see the module docstring. ``url``, ``dns_port``, ``kubeconfig`` (a path)."""

    def __init__(self, cluster: Cluster, *, host: str = "127.0.0.1", port: int = 0, dns_port: int | None = None,
                 speed: float | None = 1.0, kubeconfig: str | Path | None = None,
                 bookmark_interval: float = 60.0) -> None:
        self.server = Server(cluster, host=host, port=port, dns_port=dns_port, speed=speed,
                             bookmark_interval=bookmark_interval)
        self._kubeconfig_path = kubeconfig
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.kubeconfig: Path | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stopping: asyncio.Event | None = None
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def dns_port(self) -> int | None:
        return self.server.dns_port

    @property
    def cluster(self) -> Cluster:
        return self.server.cluster

    def start(self) -> Endpoint:
        self._thread = threading.Thread(target=self._run, name="simk8s-serve", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            raise self._error
        if self._kubeconfig_path is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="simk8s-")
            self._kubeconfig_path = Path(self._tmp.name) / "kubeconfig"
        self.kubeconfig = write_kubeconfig(self._kubeconfig_path, self.url)
        return self

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        try:
            await self.server.start()
        except BaseException as e:
            self._error = e
            self._ready.set()
            return
        self._ready.set()
        try:
            await self._stopping.wait()
        finally:
            await self.server.stop()

    def call(self, fn: Callable[[], T], timeout: float = 60.0) -> T:
        """Run ``fn()`` on the serving loop, between simulation steps; its result (or exception)."""
        assert self._loop is not None

        async def run() -> T:
            self.server.sim.sync()
            try:
                return fn()
            finally:
                self.server.sim.kick()

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(timeout)

    @property
    def failure(self) -> BaseException | None:
        """The exception that stopped the simulation, if one did."""
        return self.server.sim.failure

    def stop(self) -> None:
        if self._loop is not None and self._stopping is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)
            self._thread.join(timeout=10)
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> Endpoint:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<Endpoint {self.url} dns={self.dns_port} speed={self.server.sim.speed}>"

