"""``Cluster.fork()``: a copy of a cluster that continues exactly as the original would.

A fork shares every stored (frozen) object with its original and copies the rest of the state:
the store's tables (copy-on-write, see :meth:`Store.fork <simk8s.store.Store.fork>`), the
controllers' queues and caches, the RNG streams, the kubelets' container runtimes. The simpy
environment is rebuilt: Python generators cannot be copied, so every live process must stand at a
point where an equivalent generator can be made again in the fork:

- not started yet (a cluster that has not run since it was made or since a controller was added):
  the same generator function with the same arguments, scheduled in the same order;
- a controller waiting on its empty work queue (:meth:`Controller._run`);
- a kubelet pod worker parked until the pod is deleted (``Kubelet._park``).

Anything else (a timer pending, a pod starting, a node down) raises :class:`ForkError`: fork a
cluster right after it was made or once it has settled (``settle()``). The fork's simpy events are
then scheduled in the same relative order as the original's, so both produce the same watch log
from the same inputs, byte for byte (``tests/cluster/test_fork.py`` runs both and compares).
"""

from __future__ import annotations

import copy
import gc
import inspect
import ipaddress
import types
from collections import deque
from collections.abc import Callable, Generator, Mapping, Sequence
from typing import Any

import simpy
from simpy.events import Initialize

import simk8s.api.kinds as kinds
from simk8s.api.frozen import FrozenDict, FrozenList
from simk8s.store import COPIER

__all__ = ["ForkError", "ForkableEnvironment", "fork_core", "resumer"]

#: Given a suspended process's generator chain (outermost first) and the copy's memo (``id`` of an
#: original object -> its copy), a new generator of the copy at the equivalent point, or None.
Resumer = Callable[[list[Any], Mapping[Any, Any]], "Generator[simpy.Event, Any, Any] | None"]
_RESUMERS: list[Resumer] = []


def resumer(fn: Resumer) -> Resumer:
    """Register how the owner of some simpy processes re-creates them in a fork (a decorator)."""
    _RESUMERS.append(fn)
    return fn

#: Where the copying context sits in a deepcopy memo (memo keys are otherwise ``id()`` ints).
_CONTEXT = "simk8s.core.fork"


class ForkError(RuntimeError):
    """The cluster is busy at a point a fork cannot reproduce (settle it first)."""


class ForkableProcess(simpy.Process):
    """A simpy process that a deepcopy inside :func:`fork_core` re-creates instead of failing."""

    def __deepcopy__(self, memo: dict[Any, Any]) -> ForkableProcess:
        context: _Fork | None = memo.get(_CONTEXT)
        if context is None:
            raise TypeError("a simpy process can only be copied by Cluster.fork()")
        return context.placeholder(self, memo)


class ForkableEnvironment(simpy.Environment):
    """The cluster's clock: a ``simpy.Environment`` whose processes :func:`fork_core` can copy."""

    def process(self, generator: Generator[simpy.Event, Any, Any]) -> simpy.Process:
        return ForkableProcess(self, generator)

    def run_until(self, at: float) -> None:
        """Run every event due before ``at``, then set the clock to ``at``.

        What ``run(until=at)`` does (events at ``at`` itself wait for the next run), without its
        stop event: simpy 4.1 leaves that in the queue, so a cluster would never look idle and a
        settled one could not be forked.
        """
        while self.peek() < at:
            self.step()
        if at > self._now:
            self._now = at


def _chain(gen: Any) -> list[Any]:
    """The generators a suspended generator delegates to (``yield from``), outermost first."""
    out = []
    while gen is not None and inspect.isgenerator(gen):
        out.append(gen)
        gen = gen.gi_yieldfrom
    return out


class _Fork:
    def __init__(self, env: simpy.Environment, new_env: simpy.Environment) -> None:
        self.env = env
        self.new_env = new_env
        self.pending = {id(ev) for _, _, _, ev in env._queue}
        self.pairs: list[tuple[simpy.Process, ForkableProcess]] = []

    def placeholder(self, old: simpy.Process, memo: dict[Any, Any]) -> ForkableProcess:
        """The fork's process for ``old``, filled in by :meth:`resume` once everything is copied."""
        new = ForkableProcess.__new__(ForkableProcess)
        memo[id(old)] = new
        new.env = self.new_env
        new.callbacks = []
        new._value = simpy.events.PENDING
        new._generator = None  # type: ignore[assignment]
        new._target = None  # type: ignore[assignment]
        new.callbacks = _deep(old.callbacks, memo)
        self.pairs.append((old, new))
        return new

    def resume(self, old: simpy.Process, new: ForkableProcess, memo: dict[Any, Any]) -> None:
        gen = old._generator
        chain = _chain(gen)
        if inspect.getgeneratorstate(gen) == inspect.GEN_CREATED:
            # Not started: the same call again, started by an Initialize like the original's.
            new._generator = _same_call(gen, memo)
            new._target = Initialize(self.new_env, new)
            return
        target = old._target
        if target is None or id(target) in self.pending or target.triggered:
            raise ForkError(f"process {old.name} is about to run; settle() the cluster before forking")
        new_gen = _resumed(chain, memo)
        if new_gen is None:
            where = " > ".join(g.__qualname__ for g in chain)
            raise ForkError(f"process {old.name} waits at a point a fork cannot reproduce ({where}); "
                            "settle() the cluster before forking")
        primed = next(new_gen)
        new._generator = new_gen
        mapped = memo.get(id(target))
        if primed is mapped:
            new._target = primed
            return
        # Priming made a fresh event (a queue's wakeup, a pod's wake): the copied one is an orphan.
        if mapped is not None:
            mapped.callbacks = [cb for cb in mapped.callbacks if getattr(cb, "__self__", None) is not new]
        if primed.triggered:
            raise ForkError(f"process {old.name} would not wait in the fork")
        primed.callbacks.append(new._resume)
        new._target = primed


def _same_call(gen: Any, memo: dict[Any, Any]) -> Generator[simpy.Event, Any, Any]:
    """A new, unstarted generator of the same function with the same (copied) arguments."""
    code = gen.gi_code
    local = dict(gen.gi_frame.f_locals)
    memo.setdefault(id(memo), []).append(local)   # alive until the fork is done: its id is in memo
    args = _deep(local, memo)
    owner = args.pop("self", None)
    if owner is None:
        raise ForkError(f"process {gen.__qualname__} is not a method; it cannot be forked")
    fn = getattr(owner, code.co_name)
    if getattr(fn, "__code__", None) is not code:
        raise ForkError(f"process {gen.__qualname__} cannot be found again on {type(owner).__name__}")
    return fn(**args)


def _resumed(chain: list[Any], memo: Mapping[Any, Any]) -> Generator[simpy.Event, Any, Any] | None:
    """A generator equivalent to the suspended ``chain``, or None when no owner knows one."""
    for fn in _RESUMERS:
        gen = fn(chain, memo)
        if gen is not None:
            return gen
    return None


_IMMUTABLE = frozenset({str, int, float, bool, type(None), bytes, complex, FrozenDict, FrozenList, kinds.Kind, type,
                        types.FunctionType, types.BuiltinFunctionType, range, ipaddress.IPv4Address,
                        ipaddress.IPv6Address, ipaddress.IPv4Network, ipaddress.IPv6Network})


_PLAIN: set[type] = set()


def _plain(t: type, x: Any) -> bool:
    """Whether ``copy.deepcopy`` would copy an instance of ``t`` as a new object with a deep copy
    of its ``__dict__`` (no copy hooks, no slots, no builtin base)."""
    plain = (getattr(t, "__deepcopy__", None) is None and t.__reduce_ex__ is object.__reduce_ex__
             and t.__reduce__ is object.__reduce__ and t.__getstate__ is object.__getstate__
             and getattr(t, "__setstate__", None) is None and t.__new__ is object.__new__
             and "__slots__" not in t.__dict__ and hasattr(x, "__dict__"))
    if plain:
        _PLAIN.add(t)
    return plain


def _deep(x: Any, memo: dict[Any, Any]) -> Any:
    """``copy.deepcopy`` for the shapes a cluster's state has, several times faster: immutable
    values (frozen objects, strings, numbers, tuples and frozensets of them) are shared, plain
    containers and plain objects copied directly; anything else goes to ``copy.deepcopy``."""
    t = type(x)
    if t in _IMMUTABLE:
        return x
    found = memo.get(id(x), memo)
    if found is not memo:
        return found
    y: Any
    if t is dict:
        y = memo[id(x)] = {}
        for k, v in x.items():
            y[k if type(k) in _IMMUTABLE else _deep(k, memo)] = v if type(v) in _IMMUTABLE else _deep(v, memo)
    elif t is list:
        y = memo[id(x)] = []
        y.extend([v if type(v) in _IMMUTABLE else _deep(v, memo) for v in x])
    elif t is tuple or t is frozenset:
        items = [v if type(v) in _IMMUTABLE else _deep(v, memo) for v in x]
        y = x if all(a is b for a, b in zip(items, x, strict=True)) else t(items)
        memo[id(x)] = y
    elif t is set:
        y = memo[id(x)] = {v if type(v) in _IMMUTABLE else _deep(v, memo) for v in x}
    elif t is deque:
        y = memo[id(x)] = deque((v if type(v) in _IMMUTABLE else _deep(v, memo) for v in x), x.maxlen)
    elif t is types.MethodType:
        y = memo[id(x)] = types.MethodType(x.__func__, _deep(x.__self__, memo))
    elif t in _PLAIN or _plain(t, x):
        y = memo[id(x)] = object.__new__(t)
        y.__dict__.update(_deep(x.__dict__, memo))
    else:
        y = copy.deepcopy(x, memo)
    return y


def fork_core(core: Any, companions: Sequence[Any] = ()) -> tuple[Any, list[Any]]:
    """A copy of ``core`` (a :class:`simk8s.core.Core`) that continues exactly as the original would
    (see the module doc), and copies of ``companions``: objects outside the core that refer to it
    (the ``Cluster`` facade, a test's checker subscribed to its store), which then refer to the copy."""
    env = core.env
    for _, _, _, ev in env._queue:
        if not isinstance(ev, Initialize):
            raise ForkError(f"the cluster has work scheduled at t={env.peek():g}; settle() it before forking")
    if env.active_process is not None:
        raise ForkError("a cluster cannot be forked from inside one of its own processes")
    hooks: list[Any] = [core.store.clock, *core.store.admission, *(fn for fn, _ in core.store._subscribers)]
    for fn in hooks:
        if inspect.isfunction(fn) and fn.__closure__:
            # A copy would share the function, and with it the original cluster it closes over.
            raise ForkError(f"{fn.__qualname__} closes over the cluster; make it a method of an object the "
                            "cluster holds so that a fork can copy it")
    new_env = ForkableEnvironment(initial_time=env.now)
    context = _Fork(env, new_env)
    memo: dict[Any, Any] = {id(env): new_env, _CONTEXT: context, COPIER: _deep}
    for shared in (core.topology, core.timing, core.store.epoch):
        memo[id(shared)] = shared
    collecting = gc.isenabled()
    gc.disable()     # the copy allocates only live containers: a collection midway finds nothing to free
    try:
        new = _deep(core, memo)
        new_companions = [_deep(c, memo) for c in companions]
    except TypeError as e:
        raise ForkError(f"the cluster holds state a fork cannot copy: {e}") from None
    finally:
        if collecting:
            gc.enable()
    # The original's scheduled Initialize events, in their order, then every waiting process.
    by_old = {id(old): (old, proc) for old, proc in context.pairs}
    order = sorted(env._queue, key=lambda entry: entry[:3])
    started = set()
    for _, _, _, ev in order:
        entry = by_old.get(id(getattr(ev.callbacks[0], "__self__", None)))
        if entry is None:
            raise ForkError("a process that nothing in the cluster refers to is about to start; "
                            "settle() the cluster before forking")
        old, proc = entry
        context.resume(old, proc, memo)
        started.add(id(old))
    for old, proc in context.pairs:
        if id(old) not in started:
            context.resume(old, proc, memo)
    new.dns_resolver = None   # a cache whose snapshot source closes over the original
    return new, new_companions
