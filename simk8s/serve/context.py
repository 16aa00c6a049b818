"""What a request handler (:mod:`~simk8s.serve.watch`, :mod:`~simk8s.serve.pods`,
:mod:`~simk8s.serve.portforward`) uses of the :class:`~simk8s.serve.app.Server` that calls it.

The handlers sit below the server, which dispatches to them; they see it through this protocol and
never import it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from simk8s.api.kinds import Kind
from simk8s.serve.tables import Columns

if TYPE_CHECKING:
    from simk8s.cluster import Cluster
    from simk8s.serve.loop import SimLoop

__all__ = ["ServerContext"]


class ServerContext(Protocol):
    """The serving cluster, its simulation loop, the limits, the encode and Table caches, and the
    watchers' wake-ups."""

    cluster: Cluster
    sim: SimLoop
    write_timeout: float
    bookmark_interval: float

    def encode(self, obj: Any) -> bytes: ...

    def columns(self, kind: Kind) -> Columns: ...

    def add_watcher(self, kind: str, wake: asyncio.Event) -> Callable[[], None]: ...
