"""What the kubelet holds for each pod on its node, and what its container supervisor needs of it."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any, Protocol

import simpy

from simk8s.core import Core
from simk8s.core.fork import ForkableEnvironment
from simk8s.node.prober import ProbeWorker
from simk8s.node.runtime import ContainerRuntime
from simk8s.store import Store
from simk8s.store.events import EventRecorder

__all__ = ["PodHost", "PodRuntime"]


@dataclass
class PodRuntime:
    """What the node itself holds for a pod: its sandbox, IP and containers."""

    namespace: str
    name: str
    uid: str
    ip: str | None = None
    terminating: bool = False
    terminating_started: bool = False
    process: simpy.Process | None = None
    started_at: dict[str, str] = field(default_factory=dict)
    restarts: dict[str, int] = field(default_factory=dict)
    running: set[str] = field(default_factory=set)
    ready: dict[str, bool] = field(default_factory=dict)
    last_state: dict[str, Any] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)      # a stopped container's state (terminated, waiting)
    started: dict[str, bool] = field(default_factory=dict)   # startup probe passed (or none)
    wake: simpy.Event | None = None
    # Exit codes of main processes that ended while attached (``kubectl run -it``, then ``exit``).
    exited: dict[str, int] = field(default_factory=dict)
    poked: bool = False
    rejected: bool = False                                   # refused at admission: nothing runs
    supervisor: Any = None                                   # its podworker.ContainerSupervisor, once started


class PodHost(Protocol):
    """The kubelet as a pod's container supervisor (:mod:`simk8s.node.podworker`) sees it."""

    core: Core
    env: ForkableEnvironment
    store: Store
    recorder: EventRecorder
    runtime: ContainerRuntime

    def _draw(self, span: tuple[float, float]) -> float: ...

    def _image(self, ref: str) -> Any: ...

    def _park(self, rt: PodRuntime) -> Generator[simpy.Event, Any, None]: ...

    def _pod(self, rt: PodRuntime) -> Any: ...

    def _post_running(self, rt: PodRuntime, terminal: bool = False) -> None: ...

    def _sleep(self, rt: PodRuntime, seconds: float, wakeable: bool = False) -> Generator[simpy.Event, Any, None]: ...

    def run_probe(self, pod: Any, container: Any, worker: ProbeWorker) -> tuple[bool, str]: ...

    def stop_time(self, container: Any, grace: float) -> tuple[float, int]: ...
