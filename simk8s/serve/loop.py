"""The one asyncio task that owns a cluster's simpy environment while it is served.

Simulated time follows the wall clock scaled by ``speed`` (1 = real time, 60 = a minute per
second). ``speed=None`` is the paced "as fast as idle" mode for tests: while anything is scheduled
the environment runs flat out, yielding to the event loop every few milliseconds so HTTP and DNS
requests are answered between steps; when nothing is scheduled it waits for a request to change
something. Every handler calls :meth:`SimLoop.sync` before it touches the store, so what it reads
and the timestamps it writes are those of "now", and :meth:`SimLoop.kick` after a write, so the
controllers it woke run at once. All of this happens on one thread: the store is never touched
concurrently.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simk8s.cluster import Cluster

__all__ = ["SimLoop"]

#: Longest stretch of simulation steps between two chances for the event loop to serve requests.
STEP_BUDGET = 0.01
#: The watch log is compacted to this many events once it holds twice as many (a watch asking for
#: anything older gets 410 Gone and relists, as against etcd's compaction).
LOG_KEEP = 50_000


class SimLoop:
    """Drives ``cluster.env`` against the wall clock; see the module docstring."""

    def __init__(self, cluster: Cluster, speed: float | None = 1.0, *,
                 wall: Callable[[], float] = time.monotonic) -> None:
        if speed is not None and not speed > 0:
            raise ValueError(f"speed must be positive (or None for as fast as idle), not {speed!r}")
        self.cluster = cluster
        self.speed = speed
        self.wall = wall
        self._start_wall = wall()
        self._start_sim = float(cluster.env.now)
        self._kicked: asyncio.Event | None = None
        self.steps = 0
        self.failure: BaseException | None = None

    # ------------------------------------------------------------------------------- time
    def target(self) -> float:
        """The simulated time the wall clock says it is (real-time modes)."""
        assert self.speed is not None
        return self._start_sim + (self.wall() - self._start_wall) * self.speed

    def sync(self) -> None:
        """Bring the simulation up to the wall clock (every event due by now has run).

        In the as-fast-as-idle mode there is nothing to catch up: the driver runs whatever is due.
        """
        if self.speed is None:
            return
        env = self.cluster.env
        target = self.target()
        while env.peek() <= target:
            self._step()
        self._move_clock(target)

    def kick(self) -> None:
        """Something was written: let the driver look at the schedule again."""
        if self._kicked is not None:
            self._kicked.set()

    def _move_clock(self, target: float) -> None:
        """Set the clock to ``target`` (nothing is due before it)."""
        self.cluster.env.run_until(target)

    def _step(self) -> None:
        self.cluster.env.step()
        self.steps += 1

    # ----------------------------------------------------------------------------- driver
    async def run(self) -> None:
        """Run until cancelled. A failure inside the simulation stops the driver (it is kept in
        :attr:`failure` and re-raised): a simulated process that crashed must not go unnoticed."""
        self._kicked = asyncio.Event()
        self._start_wall = self.wall()
        self._start_sim = float(self.cluster.env.now)
        try:
            while True:
                self._compact()
                delay = self._advance()
                if delay == 0.0:
                    await asyncio.sleep(0)
                    continue
                self._kicked.clear()
                try:
                    await asyncio.wait_for(self._kicked.wait(), timeout=delay)
                except TimeoutError:
                    pass
        except asyncio.CancelledError:
            raise
        except BaseException as e:
            self.failure = e
            raise

    def _advance(self) -> float | None:
        """Run what is due within one step budget; the seconds to wait before the next look
        (0: more is due at once; None: nothing scheduled, wait for a kick)."""
        env = self.cluster.env
        deadline = time.monotonic() + STEP_BUDGET
        if self.speed is None:
            while env.peek() != float("inf"):
                self._step()
                if time.monotonic() > deadline:
                    return 0.0
            return None
        target = self.target()
        while env.peek() <= target:
            self._step()
            if time.monotonic() > deadline:
                return 0.0
        self._move_clock(target)
        nxt = env.peek()
        if nxt == float("inf"):
            return None
        # Wake when the next event is due (a second at most, so a changed clock is noticed).
        return max(0.001, min(1.0, (nxt - target) / self.speed))

    def _compact(self) -> None:
        store = self.cluster.store
        if len(store.log) > 2 * LOG_KEEP:
            store.compact(LOG_KEEP)
