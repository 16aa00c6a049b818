"""Immutable JSON-shaped values: how stored objects are shared without copies.

The store keeps every object as a tree of :class:`FrozenDict` and :class:`FrozenList`. They are
real ``dict`` and ``list`` subclasses, so reading, ``json.dumps`` and equality with plain values
work unchanged, but every mutating method raises :class:`TypeError`. Readers get the stored tree
itself (no copy); writers build a new version with :func:`assoc_in` / :func:`evolve`, which copy
only the containers along the changed path and share the rest (structural sharing), or with a
plain mutable copy from :func:`thaw` that the store freezes again on write.

Frozen containers are untracked by CPython's cycle collector as they are made (:data:`UNTRACK`):
they cannot be part of a reference cycle of their own (they are built bottom-up and never change),
so the collector has nothing to find in them, yet a cluster keeps millions of them (every stored
version, in the watch log) and each full collection walked them all: the cost per pod of a large
cluster grew with its size. Untracked, they are still freed by reference counting as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NoReturn

__all__ = [
    "UNTRACK",
    "FrozenDict",
    "FrozenList",
    "assoc_in",
    "dissoc_in",
    "evolve",
    "freeze",
    "frozen_dict",
    "get_in",
    "thaw",
]


def _read_only(self: object, *args: object, **kwargs: object) -> NoReturn:
    raise TypeError(f"{type(self).__name__} is immutable: thaw() it or use assoc_in()/evolve()")


class FrozenDict(dict[str, Any]):
    """A dict that refuses mutation. Hashable by identity only (it is still a dict)."""

    __slots__ = ()
    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = __ior__ = _read_only

    def __copy__(self) -> FrozenDict:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> FrozenDict:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenDict, (dict(self),))

    def __repr__(self) -> str:
        return dict.__repr__(self)


class FrozenList(list[Any]):
    """A list that refuses mutation."""

    __slots__ = ()
    __setitem__ = __delitem__ = append = extend = insert = pop = remove = clear = _read_only
    sort = reverse = __iadd__ = __imul__ = _read_only

    def __copy__(self) -> FrozenList:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> FrozenList:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenList, (list(self),))

    def __repr__(self) -> str:
        return list.__repr__(self)


def _gc_untrack() -> Callable[[object], None] | None:
    """CPython's ``PyObject_GC_UnTrack`` (public C API), or None where there is no such thing."""
    try:
        import ctypes
        fn = ctypes.pythonapi.PyObject_GC_UnTrack
    except (ImportError, AttributeError):     # not CPython: nothing to save
        return None
    fn.argtypes = (ctypes.py_object,)
    fn.restype = None
    return fn


#: Takes a new frozen container out of the cycle collector's lists (None: leave it there). Only
#: for containers that hold nothing but leaves and frozen containers, as :func:`freeze` makes them.
UNTRACK: Callable[[object], None] | None = _gc_untrack()

EMPTY = FrozenDict()
if UNTRACK is not None:
    UNTRACK(EMPTY)


_LEAVES = frozenset({str, int, float, bool, type(None)})


def freeze(value: Any) -> Any:
    """Return an immutable version of a JSON-shaped value.

    Already-frozen subtrees are returned as they are, so freezing an object built from frozen
    parts costs only the new parts. Tuples become lists, as they would through JSON.
    """
    t = type(value)
    if t in _LEAVES or t is FrozenDict or t is FrozenList:
        return value
    out: FrozenDict | FrozenList
    if t is dict or isinstance(value, Mapping):
        leaves = _LEAVES
        out = FrozenDict({k if type(k) is str else str(k): v if type(v) in leaves else freeze(v)
                          for k, v in value.items()})
    elif t is list or t is tuple:
        leaves = _LEAVES
        out = FrozenList([v if type(v) in leaves else freeze(v) for v in value])
    else:
        return value
    if UNTRACK is not None:
        UNTRACK(out)
    return out


def frozen_dict(items: Mapping[str, Any]) -> FrozenDict:
    """``FrozenDict(items)`` for items that are already frozen (or leaves), untracked as
    :func:`freeze` leaves its containers: the store's new versions made of frozen parts."""
    out = FrozenDict(items)
    if UNTRACK is not None:
        UNTRACK(out)
    return out


def thaw(value: Any) -> Any:
    """Return a deep, plain, mutable copy of a JSON-shaped value."""
    leaves = _LEAVES
    if isinstance(value, dict):
        return {k: v if type(v) in leaves else thaw(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [v if type(v) in leaves else thaw(v) for v in value]
    return value


def get_in(obj: Any, path: Iterable[str | int], default: Any = None) -> Any:
    """``obj[p0][p1]...``, or ``default`` when any step is missing or of the wrong type."""
    cur = obj
    for key in path:
        if isinstance(key, int):
            if not isinstance(cur, list) or not -len(cur) <= key < len(cur):
                return default
            cur = cur[key]
        else:
            if not isinstance(cur, dict) or key not in cur:
                return default
            cur = cur[key]
    return cur


def assoc_in(obj: Mapping[str, Any], path: Sequence[str | int], value: Any) -> FrozenDict:
    """A frozen copy of ``obj`` with ``value`` at ``path``; missing dicts along the path are created.

    Only the containers on the path are copied; everything else is shared.
    """
    if not path:
        raise ValueError("empty path")
    return _assoc(obj, tuple(path), 0, freeze(value))


def _assoc(node: Any, path: tuple[str | int, ...], i: int, value: Any) -> Any:
    key = path[i]
    last = i == len(path) - 1
    if isinstance(key, int):
        items = list(node) if isinstance(node, list) else []
        child = value if last else _assoc(items[key] if key < len(items) else None, path, i + 1, value)
        if key == len(items):
            items.append(child)
        else:
            items[key] = child
        return FrozenList(items)
    d = dict(node) if isinstance(node, Mapping) else {}
    d[key] = value if last else _assoc(d.get(key), path, i + 1, value)
    return FrozenDict(d)


def dissoc_in(obj: Mapping[str, Any], path: Sequence[str]) -> FrozenDict:
    """A frozen copy of ``obj`` without the key at ``path`` (unchanged if it is not there)."""
    parent = get_in(obj, path[:-1])
    if not isinstance(parent, Mapping) or path[-1] not in parent:
        return obj if isinstance(obj, FrozenDict) else freeze(obj)
    new_parent = {k: v for k, v in parent.items() if k != path[-1]}
    if len(path) == 1:
        return freeze(new_parent)
    return assoc_in(obj, tuple(path[:-1]), new_parent)


def evolve(obj: Mapping[str, Any], changes: Mapping[tuple[str | int, ...], Any]) -> FrozenDict:
    """Apply several :func:`assoc_in` changes; a value of ``...`` (Ellipsis) removes the key."""
    out: Mapping[str, Any] = obj
    for path, value in changes.items():
        if value is Ellipsis:
            out = dissoc_in(out, [str(p) for p in path])
        else:
            out = assoc_in(out, path, value)
    return out if isinstance(out, FrozenDict) else freeze(out)
