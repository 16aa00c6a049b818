"""What the store announces: one watch event per write (the watch log), and the admission hook."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from simk8s.api.errors import Expired
from simk8s.api.frozen import UNTRACK, FrozenDict
from simk8s.api.kinds import Kind

__all__ = ["Admission", "WatchEvent", "WatchLog"]


@dataclass(frozen=True)
class WatchEvent:
    """One entry of the watch log: ``type`` is ADDED, MODIFIED or DELETED."""

    rv: int
    type: str
    kind: Kind
    obj: FrozenDict
    old: FrozenDict | None = None
    t: float = 0.0

    def __deepcopy__(self, memo: dict[int, Any]) -> WatchEvent:
        return self    # immutable: a forked store shares its history

    @property
    def key(self) -> tuple[str, str]:
        meta = self.obj["metadata"]
        return meta.get("namespace", ""), meta["name"]


class Admission(Protocol):
    """A mutating admission plugin: changes a mutable (thawed) object before validation.

    ``operation`` is ``CREATE`` or ``UPDATE``; ``old`` is the stored object on update. Raising an
    :class:`ApiError` refuses the request.
    """

    def __call__(self, operation: str, kind: Kind, obj: dict[str, Any], old: Mapping[str, Any] | None) -> None: ...


class WatchLog:
    """The store's history and its subscribers (a part of :class:`~simk8s.store.store.Store`).

    Every write appends one :class:`WatchEvent` with the write's resourceVersion and calls the
    subscribers of its kind at once, in subscription order.
    """

    _rv: int
    clock: Callable[[], float]

    def __init__(self) -> None:
        self.log: list[WatchEvent] = []
        self._log_start = 0
        self._subscribers: list[tuple[Callable[[WatchEvent], None], frozenset[str] | None]] = []
        self._dispatch: dict[str, list[Callable[[WatchEvent], None]]] = {}
        self._kind_rv: dict[str, int] = {}

    def subscribe(self, fn: Callable[[WatchEvent], None], kinds: Iterable[str] | None = None) -> Callable[[], None]:
        """Call ``fn`` synchronously after every write (of one of ``kinds``, when given); returns
        an unsubscribe function. Subscribers are called in subscription order.

        Subscribers must not write to the store from the callback (enqueue work instead).
        """
        entry = (fn, None if kinds is None else frozenset(kinds))
        self._subscribers.append(entry)
        self._dispatch.clear()

        def unsubscribe() -> None:
            if entry in self._subscribers:
                self._subscribers.remove(entry)
                self._dispatch.clear()
        return unsubscribe

    def _subscribers_of(self, kind: str) -> list[Callable[[WatchEvent], None]]:
        fns = self._dispatch.get(kind)
        if fns is None:
            fns = self._dispatch[kind] = [fn for fn, ks in self._subscribers if ks is None or kind in ks]
        return fns

    def events_since(self, rv: int) -> list[WatchEvent]:
        """The watch events after ``rv``; :class:`Expired` when that history was compacted."""
        if rv < self._log_start:
            raise Expired(f"too old resource version: {rv} ({self._log_start})")
        lo, hi = 0, len(self.log)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.log[mid].rv <= rv:
                lo = mid + 1
            else:
                hi = mid
        return self.log[lo:]

    def compact(self, keep: int) -> None:
        """Forget all but the last ``keep`` watch events."""
        if len(self.log) > keep:
            drop = len(self.log) - keep
            self._log_start = self.log[drop - 1].rv
            del self.log[:drop]

    def _emit(self, type_: str, kind: Kind, obj: FrozenDict, old: FrozenDict | None) -> None:
        ev = WatchEvent(self._rv, type_, kind, obj, old, float(self.clock()))
        if UNTRACK is not None:
            UNTRACK(ev)     # immutable, holding frozen objects only (see simk8s.api.frozen)
        self._kind_rv[kind.kind] = self._rv
        self.log.append(ev)
        for fn in self._subscribers_of(kind.kind):
            fn(ev)
