"""JSON patch (RFC 6902, ``kubectl patch --type=json``), with evanphx/json-patch v4's semantics and messages."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from simk8s.api.frozen import thaw
from simk8s.api.patch.common import PatchError

__all__ = ["json_patch"]


class _Missing(Exception):
    """The container along a JSON pointer does not exist (findObject returned nil)."""


def _container(doc: Any, path: str) -> tuple[Any, str]:
    """The container holding the last token of ``path`` and that token (evanphx's findObject)."""
    split = path.split("/")
    if len(split) < 2:
        raise _Missing
    cur = doc
    for part in split[1:-1]:
        token = part.replace("~1", "/").replace("~0", "~")
        if isinstance(cur, dict):
            nxt = cur.get(token)
        elif isinstance(cur, list):
            try:
                nxt = cur[_array_index(cur, token, len(cur))]
            except PatchError:
                raise _Missing from None
        else:
            raise _Missing
        if not isinstance(nxt, dict | list):
            raise _Missing
        cur = nxt
    return cur, split[-1].replace("~1", "/").replace("~0", "~")


def _array_index(array: list[Any], token: str, size: int) -> int:
    """An index into ``array`` of ``size`` slots; negative indices count from the end (v4 allows it)."""
    try:
        idx = int(token, 10) if token.lstrip("-").isdigit() else int("x")
    except ValueError:
        raise PatchError(f'strconv.Atoi: parsing "{token}": invalid syntax') from None
    if idx >= size or idx < -size:
        raise PatchError(f"Unable to access invalid index: {idx}: invalid index referenced")
    return idx + size if idx < 0 else idx


def _op_add(con: Any, key: str, value: Any) -> None:
    if isinstance(con, dict):
        con[key] = value
        return
    if key == "-":
        con.append(value)
        return
    if not key.lstrip("-").isdigit():
        raise PatchError(f"value was not a proper array index: '{key}': strconv.Atoi: parsing \"{key}\": "
                         "invalid syntax")
    con.insert(_array_index(con, key, len(con) + 1), value)


def _op_remove(con: Any, key: str) -> Any:
    if isinstance(con, dict):
        if key not in con:
            raise PatchError(f"Unable to remove nonexistent key: {key}: missing value")
        return con.pop(key)
    return con.pop(_array_index(con, key, len(con)))


def _op_get(con: Any, key: str) -> Any:
    if isinstance(con, dict):
        return con.get(key)
    return con[_array_index(con, key, len(con))]


def _json_equal(a: Any, b: Any) -> bool:
    """Equality of JSON values (``true`` is not ``1``, unlike in Python)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    return type(a) is type(b) and a == b


def _apply_op(doc: Any, op: Mapping[str, Any]) -> Any:
    kind = op.get("op")
    path = op.get("path")
    value = thaw(op.get("value"))
    if kind not in ("add", "remove", "replace", "move", "copy", "test"):
        raise PatchError(f"Unexpected kind: {kind}")
    if not isinstance(path, str):
        raise PatchError(f"{kind} operation failed to decode path: missing value")
    if kind in ("replace", "test") and path == "":
        if kind == "replace":
            if not isinstance(value, dict | list):
                raise PatchError("replace operation value must be object or array")
            return value
        if not _json_equal(doc, value):
            raise PatchError(f"testing value {path} failed: test failed")
        return doc
    if kind in ("move", "copy"):
        source = op.get("from")
        if not isinstance(source, str):
            raise PatchError(f"{kind} operation failed to decode from: missing value")
        try:
            con, key = _container(doc, source)
        except _Missing:
            raise PatchError(f"{kind} operation does not apply: doc is missing from path: {source}: "
                             "missing value") from None
        where = f"error in move for path: '{key}'" if kind == "move" else f"error in copy for from: '{source}'"
        try:
            moved = _op_remove(con, key) if kind == "move" else copy.deepcopy(_op_get(con, key))
        except PatchError as err:
            raise PatchError(f"{where}: {err}") from None
    try:
        con, key = _container(doc, path)
    except _Missing:
        missing = {"add": f'"{path}"', "remove": f'"{path}"'}.get(kind, path)
        what = {"move": "destination path", "copy": "destination path"}.get(kind, "path")
        text = "is missing path" if kind == "test" else f"doc is missing {what}"
        raise PatchError(f"{kind} operation does not apply: {text}: {missing}: missing value") from None
    try:
        if kind == "add":
            _op_add(con, key, value)
        elif kind == "remove":
            _op_remove(con, key)
        elif kind == "replace":
            if isinstance(con, list):
                try:
                    idx = _array_index(con, key, len(con))
                except PatchError:
                    raise PatchError(f"replace operation does not apply: doc is missing key: {path}: "
                                     "missing value") from None
                con[idx] = value
            else:
                con[key] = value  # v4 quirk: replacing a missing map key adds it
        elif kind == "test":
            actual = _op_get(con, key)
            if not _json_equal(actual, value):
                raise PatchError(f"testing value {path} failed: test failed")
        else:
            _op_add(con, key, moved)
    except PatchError as err:
        if str(err).startswith(("replace operation", "testing value")):
            raise
        prefix = {"add": f"error in add for path: '{path}'", "remove": f"error in remove for path: '{path}'",
                  "replace": f"error in remove for path: '{path}'", "test": f"error in test for path: '{path}'",
                  "move": f"error in move for path: '{path}'",
                  "copy": "error while adding value during copy"}[kind]
        raise PatchError(f"{prefix}: {err}") from None
    return doc


def json_patch(obj: Any, ops: Sequence[Mapping[str, Any]]) -> Any:
    """Apply an RFC 6902 patch: ``add``, ``remove``, ``replace``, ``move``, ``copy``, ``test``.

    Operations apply in order to a copy, with evanphx/json-patch v4's behaviour (the library the
    API server uses): ``-`` appends, negative array indices count from the end, ``replace`` of a
    missing object key adds it. The first failing operation raises :class:`PatchError` with the
    library's text, e.g. ``error in remove for path: '/spec/foo': Unable to remove nonexistent
    key: foo: missing value``.
    """
    doc = thaw(obj)
    for op in ops:
        if not isinstance(op, Mapping):
            raise PatchError("json: cannot unmarshal into Go value of type jsonpatch.Operation")
        doc = _apply_op(doc, op)
    return doc
