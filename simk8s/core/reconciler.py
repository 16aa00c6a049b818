"""What every controller shares: a de-duplicating work queue and a reconcile loop."""

from __future__ import annotations

from collections import deque
from collections.abc import Generator, Hashable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import simpy

from simk8s.api.errors import ApiError, Conflict, NotFound
from simk8s.core.fork import resumer
from simk8s.store import WatchEvent

if TYPE_CHECKING:
    from simk8s.core.base import Core

__all__ = ["KUBE_API_BURST", "KUBE_API_QPS", "Controller", "TokenBucketRateLimiter", "WorkQueue"]

# kube-controller-manager's --kube-api-qps and --kube-api-burst defaults: every controller talks to
# the API server through a client of its own, rate limited by a token bucket of these sizes.
KUBE_API_QPS = 20.0
KUBE_API_BURST = 30


class TokenBucketRateLimiter:
    """client-go's ``flowcontrol.NewTokenBucketRateLimiter(qps, burst)`` on virtual time.

    The bucket holds ``burst`` tokens and starts full; it refills at ``qps`` tokens a second; a
    request takes one. Upstream's ``Wait`` blocks the request until its token comes; a simulated
    controller cannot block inside a sync, so it asks :meth:`try_accept` before each request and,
    refused, ends the sync and comes back :meth:`wait_time` later (the requests it did not send are
    planned again from fresh state, as a level-triggered controller does).
    """

    def __init__(self, qps: float, burst: int) -> None:
        self.qps = qps
        self.burst = burst
        self.tokens = float(burst)
        self.last = 0.0

    def _advance(self, now: float) -> None:
        if now > self.last:
            self.tokens = min(float(self.burst), self.tokens + (now - self.last) * self.qps)
            self.last = now

    def try_accept(self, now: float) -> bool:
        """Take a token if one is there (client-go's ``TryAccept``)."""
        self._advance(now)
        if self.tokens >= 1.0 - 1e-9:
            self.tokens -= 1.0
            return True
        return False

    def wait_time(self, now: float) -> float:
        """Seconds until the next token."""
        self._advance(now)
        return max(0.0, (1.0 - self.tokens) / self.qps)


class WorkQueue:
    """A FIFO of keys where a key waiting to be processed is queued only once (client-go's queue)."""

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self._items: deque[Hashable] = deque()
        self._queued: set[Hashable] = set()
        self._wakeup: simpy.Event | None = None
        self._waiting: dict[Hashable, float] = {}   # key -> when its delayed add fires
        self._batched: set[Hashable] = set()        # keys whose batched add is pending

    def __len__(self) -> int:
        return len(self._items)

    def add(self, key: Hashable) -> None:
        if key in self._queued:
            return
        self._queued.add(key)
        self._items.append(key)
        if self._wakeup is not None and not self._wakeup.triggered:
            self._wakeup.succeed()

    def add_after(self, key: Hashable, delay: float) -> None:
        """Add ``key`` after ``delay`` seconds; a key already waiting keeps the earlier time (as
        client-go's delaying queue does), so a burst of requeues costs one timer."""
        at = self.env.now + delay
        waiting = self._waiting.get(key)
        if waiting is not None and waiting <= at:
            return
        self._waiting[key] = at

        def later() -> Generator[simpy.Event, Any, None]:
            yield self.env.timeout(delay)
            if self._waiting.get(key) == at:
                del self._waiting[key]
                self.add(key)

        self.env.process(later())

    def add_batched(self, key: Hashable, delay: float) -> None:
        """An immediate :meth:`add` postponed by ``delay`` (the controller's batching interval).

        Kept apart from :meth:`add_after`'s delayed adds: a batched add must not cancel a later
        requeue the controller asked for (an availability check ``minReadySeconds`` away), as an
        immediate add in client-go's queue leaves its delaying heap alone.
        """
        if key in self._batched:
            return
        self._batched.add(key)

        def later() -> Generator[simpy.Event, Any, None]:
            yield self.env.timeout(delay)
            self._batched.discard(key)
            self.add(key)

        self.env.process(later())

    def get(self) -> Generator[simpy.Event, Any, Hashable]:
        while not self._items:
            self._wakeup = self.env.event()
            yield self._wakeup
            self._wakeup = None
        key = self._items.popleft()
        self._queued.discard(key)
        return key


class Controller:
    """A level-triggered reconciler: watch events enqueue keys, :meth:`sync` converges one key.

    Subclasses set ``name``, implement :meth:`keys_for` (which keys an event touches) and
    :meth:`sync` (returns seconds after which to look again, or None).
    """

    name = "controller"
    # Virtual seconds between two syncs of the same key: events arriving meanwhile are coalesced
    # into the next sync (a simulated informer resync batching). 0 syncs on every change.
    min_interval = 0.0
    # The kinds whose watch events :meth:`keys_for` looks at (None: every kind).
    watch_kinds: frozenset[str] | None = None

    def __init__(self, core: Core, *, subscribe: bool = True) -> None:
        self.core = core
        self.env = core.env
        self.store = core.store
        self.queue = WorkQueue(core.env)
        self._last_sync: dict[Hashable, float] = {}
        # The requests this controller's client may send (each controller has a client of its own).
        self.client_limiter = TokenBucketRateLimiter(KUBE_API_QPS, KUBE_API_BURST)
        if subscribe:
            core.store.subscribe(self._on_event, self.watch_kinds)
        self.process = core.env.process(self._run())

    def _on_event(self, ev: WatchEvent) -> None:
        for key in self.keys_for(ev):
            self.queue.add(key)

    def keys_for(self, ev: WatchEvent) -> Iterable[Hashable]:
        return ()

    def sync(self, key: Any) -> float | None:
        raise NotImplementedError

    def may_send(self) -> bool:
        """Whether the client's rate limiter lets one more request go now (a token is taken if so)."""
        return self.client_limiter.try_accept(self.env.now)

    def limiter_wait(self) -> float:
        """Seconds until the client's rate limiter lets the next request go."""
        return self.client_limiter.wait_time(self.env.now)

    def _run(self) -> Generator[simpy.Event, Any, None]:
        while True:
            key = yield from self.queue.get()
            if self.min_interval:
                due = self._last_sync.get(key, -1e18) + self.min_interval
                if due > self.env.now:
                    self.queue.add_batched(key, due - self.env.now)
                    continue
                self._last_sync[key] = self.env.now
            try:
                after = self.sync(key)
            except (Conflict, NotFound):
                # Someone else moved first: look again with fresh state.
                self.queue.add_after(key, 0.1)
                continue
            except ApiError:
                self.queue.add_after(key, 1.0)
                continue
            if after is not None:
                self.queue.add_after(key, after)



@resumer
def _resume_controller(chain: list[Any], memo: Mapping[Any, Any]) -> Generator[simpy.Event, Any, None] | None:
    """A controller loop waiting on its empty queue: the fork's controller starts its loop afresh,
    which waits on its own (equally empty) queue at once."""
    if [g.gi_code for g in chain] != [Controller._run.__code__, WorkQueue.get.__code__]:
        return None
    controller = chain[0].gi_frame.f_locals["self"]
    if len(controller.queue):
        return None
    return memo[id(controller)]._run()
