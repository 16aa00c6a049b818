"""The controllers' work queue: de-duplicated keys, and delayed adds that keep the earliest time."""

import simpy

from simk8s.core.reconciler import WorkQueue


def drain(env: simpy.Environment, q: WorkQueue, until: float) -> list[tuple[float, str]]:
    got: list[tuple[float, str]] = []

    def consumer():
        while True:
            key = yield from q.get()
            got.append((env.now, key))

    env.process(consumer())
    env.run(until=until)
    return got


def test_a_queued_key_is_queued_once() -> None:
    env = simpy.Environment()
    q = WorkQueue(env)
    q.add("a")
    q.add("a")
    q.add("b")
    assert drain(env, q, 1) == [(0, "a"), (0, "b")]


def test_delayed_adds_of_a_waiting_key_keep_the_earliest_time() -> None:
    env = simpy.Environment()
    q = WorkQueue(env)
    q.add_after("a", 2.0)
    q.add_after("a", 5.0)     # later: the key already waits for t=2
    q.add_after("a", 1.0)     # sooner: wins
    q.add_after("b", 3.0)
    assert drain(env, q, 10) == [(1.0, "a"), (3.0, "b")]


def test_a_key_can_wait_again_once_its_delayed_add_fired() -> None:
    env = simpy.Environment()
    q = WorkQueue(env)
    q.add_after("a", 1.0)

    def later():
        yield env.timeout(1.5)
        q.add_after("a", 1.0)

    env.process(later())
    assert drain(env, q, 10) == [(1.0, "a"), (2.5, "a")]


def test_a_batched_add_does_not_cancel_a_later_delayed_add() -> None:
    env = simpy.Environment()
    q = WorkQueue(env)
    q.add_after("a", 5)       # the controller's own requeue (an availability check)
    q.add_batched("a", 0.1)   # an event, postponed by the batching interval
    q.add_batched("a", 0.1)   # coalesced
    assert drain(env, q, 10) == [(0.1, "a"), (5, "a")]
