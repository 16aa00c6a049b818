"""Decoding a JSON-shaped object into a kind's Go type, as the API server does, with its messages.

Two decoders, because the API server has two:

* :func:`decode` is ``encoding/json`` (sigs.k8s.io/json) decoding a request body: create, update,
  merge and JSON patches. Fields are read in document order; the first type mismatch is reported
  (``json: cannot unmarshal string into Go struct field StatefulSetSpec.spec.replicas of type
  int32``) unless a type with its own decoding fails first (``quantities must match the regular
  expression ...``), which stops decoding at once.
* :func:`convert` is the unstructured converter a strategic merge patch's result goes through:
  fields in Go struct order, the first problem stops it, with the converter's own words
  (``unrecognized type: int32``, ``cannot convert int64 to string``, ``cannot restore struct
  from: slice``); integers are narrowed without a range check, as Go's reflect conversion does.

Both return the object as the typed decode leaves it (``null`` fields dropped or zeroed, integral
floats in integer fields as ints, unknown fields dropped) and the unknown field paths, for the
caller's strict field validation. Errors are :class:`DecodeError` with the decoder's message; the
callers word the API server's response around it (:func:`simk8s.store.Store.create` etc.).

Limits (:mod:`simk8s.api.limits`): objects nested deeper than ``MAX_DEPTH`` levels (a simulator
limit: Python's recursion is shallower than Go's 10,000 levels) or bigger than the API server's
3 MiB request limit are refused.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from simk8s.api.errors import go_scalar_type
from simk8s.api.frozen import thaw
from simk8s.api.limits import MAX_BYTES, MAX_DEPTH
from simk8s.api.quantity import Quantity
from simk8s.api.schema import ListOf, MapOf, Scalar, Special, Struct, Type, go_type, schema_of
from simk8s.api.yamlio import encode_json, go_float, json_number

__all__ = ["DecodeError", "TooLarge", "check_tree", "convert", "decode", "go_v", "json_kind"]

_INT_RANGE = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


class DecodeError(ValueError):
    """The decoder's message (without the API server's wording around it)."""


class TooLarge(DecodeError):
    """The object exceeds the request size limit (the API server's 413)."""


class _Abort(Exception):
    """A decoding error that stops decoding at once (a type with its own decoding failed)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def json_kind(v: Any) -> str:
    """What encoding/json calls a JSON value in its errors."""
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int | float):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list | tuple):
        return "array"
    if isinstance(v, Mapping):
        return "object"
    return "null" if v is None else type(v).__name__


def _unsupported(v: float) -> str:
    """json.Marshal's error for a value JSON cannot carry (what a client gets sending it)."""
    return "json: unsupported value: " + ("NaN" if math.isnan(v) else "+Inf" if v > 0 else "-Inf")


def _is_null(v: Any, depth: int) -> bool:
    """Whether a value about to be decoded is null (the field keeps its zero value); a value nested
    too deep, or a number JSON cannot carry, ends the decoding."""
    if depth > MAX_DEPTH:
        raise _Abort("exceeded max depth")
    if isinstance(v, float) and not math.isfinite(v):
        raise _Abort(_unsupported(v))
    return v is None


def _literal(v: int | float) -> str:
    try:
        return json_number(v)
    except ValueError:
        return go_float(float(v))


def _check_tree(v: Any, depth: int, budget: list[int]) -> None:
    """A free-form value: JSON-shaped, no deeper than MAX_DEPTH, within the size budget (no recursion)."""
    stack = [(v, depth)]
    while stack:
        v, d = stack.pop()
        if d > MAX_DEPTH:
            raise _Abort("exceeded max depth")
        if isinstance(v, Mapping):
            budget[0] -= 2 + sum(len(str(k)) + 4 for k in v)
            stack.extend((x, d + 1) for x in v.values())
        elif isinstance(v, list | tuple):
            budget[0] -= 2 + len(v)
            stack.extend((x, d + 1) for x in v)
        elif isinstance(v, str):
            budget[0] -= len(v) + 2
        elif isinstance(v, float) and not math.isfinite(v):
            raise _Abort(_unsupported(v))
        elif v is None or isinstance(v, bool | int | float):
            budget[0] -= 8
        else:
            raise _Abort(f"json: unsupported type: {type(v).__name__}")
        if budget[0] < 0:
            raise TooLarge("request entity too large")


def check_tree(v: Any) -> None:
    """A JSON-shaped value within the depth and size limits (DecodeError / TooLarge otherwise),
    checked without recursion: for callers about to walk a user's value recursively."""
    try:
        _check_tree(v, 0, [MAX_BYTES])
    except _Abort as e:
        raise DecodeError(e.message) from None


def _key(k: Any) -> str:
    """A map key as JSON carries it (Python callers may pass ints or bools)."""
    if isinstance(k, str):
        return k
    if isinstance(k, bool):
        return "true" if k else "false"
    if k is None:
        return "null"
    return _literal(k) if isinstance(k, int | float) else str(k)


def _zero(t: Type) -> Any:
    """The zero value a ``null`` list item or map value decodes to."""
    if isinstance(t, Struct):
        return {}
    if isinstance(t, Scalar):
        return {"string": "", "bool": False}.get(t.kind, 0)
    if isinstance(t, Special) and t.name == "quantity":
        return "0"
    return None


# --------------------------------------------------------------------------------------------
# encoding/json


class _Json:
    def __init__(self) -> None:
        self.saved: str | None = None
        self.unknown: list[str] = []
        self.budget = [MAX_BYTES]

    def fail(self, what: str, t: Type, struct: str, fields: list[str]) -> None:
        if self.saved is None:
            where = f"Go struct field {struct}.{'.'.join(fields)}" if struct else "Go value"
            self.saved = f"json: cannot unmarshal {what} into {where} of type {go_type(t)}"

    def value(self, v: Any, t: Type, struct: str, fields: list[str], path: str, depth: int) -> Any:
        """The decoded value, or ``_SKIP`` when the field keeps its zero value (null or a mismatch)."""
        if _is_null(v, depth):
            return _SKIP
        if isinstance(t, Special):
            return self.special(v, t, struct, fields, depth)
        if isinstance(t, Scalar):
            self.budget[0] -= len(v) + 2 if isinstance(v, str) else 8
            return self.scalar(v, t, struct, fields)
        if isinstance(t, Struct):
            if not isinstance(v, Mapping):
                self.fail(json_kind(v), t, struct, fields)
                return _SKIP
            return self.struct(v, t, fields, path, depth)
        if isinstance(t, ListOf):
            if not isinstance(v, list | tuple):
                self.fail(json_kind(v), t, struct, fields)
                return _SKIP
            out = []
            for i, item in enumerate(v):
                got = self.value(item, t.item, struct, fields, f"{path}[{i}]", depth + 1)
                out.append(_zero(t.item) if got is _SKIP else got)
            self.budget[0] -= 2 + len(v)
            return out
        if isinstance(t, MapOf):
            if not isinstance(v, Mapping):
                self.fail(json_kind(v), t, struct, fields)
                return _SKIP
            m: dict[str, Any] = {}
            for k, item in v.items():
                key = _key(k)
                self.budget[0] -= len(key) + 4
                got = self.value(item, t.value, struct, fields, f"{path}[{key}]", depth + 1)
                m[key] = _zero(t.value) if got is _SKIP else got
            return m
        raise TypeError(t)  # pragma: no cover - every Type is handled above

    def struct(self, v: Mapping[str, Any], t: Struct, fields: list[str], path: str, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, item in v.items():
            key = _key(k)
            child_path = f"{path}.{key}" if path else key
            sub = t.fields.get(key)
            self.budget[0] -= len(key) + 4
            if sub is None:
                self.unknown.append(child_path)
                _check_tree(item, depth + 1, self.budget)
                continue
            got = self.value(item, sub, t.short, [*fields, key], child_path, depth + 1)
            if got is not _SKIP:
                out[key] = got
        if self.budget[0] < 0:
            raise TooLarge("request entity too large")
        return out

    def scalar(self, v: Any, t: Scalar, struct: str, fields: list[str]) -> Any:
        kind = t.kind
        if kind == "string":
            if isinstance(v, str):
                return v
        elif kind == "bool":
            if isinstance(v, bool):
                return v
        elif kind in _INT_RANGE and isinstance(v, int | float) and not isinstance(v, bool):
            lo, hi = _INT_RANGE[kind]
            n = int(v) if isinstance(v, int) or (math.isfinite(v) and v == int(v)) else None
            if n is not None and lo <= n <= hi:
                return n
            self.fail(f"number {_literal(v)}", t, struct, fields)
            return _SKIP
        self.fail(json_kind(v), t, struct, fields)
        return _SKIP

    def special(self, v: Any, t: Special, struct: str, fields: list[str], depth: int) -> Any:
        if t.name == "any":
            _check_tree(v, depth, self.budget)
            return thaw(v)
        if t.name == "quantity":
            self.budget[0] -= len(v) + 2 if isinstance(v, str) else 8
            return _quantity(v)
        if t.name == "int-or-string":
            if isinstance(v, str):
                self.budget[0] -= len(v) + 2
                return v
            n = _int32(v)
            if n is None:
                what = f"number {_literal(v)}" if isinstance(v, int | float) and not isinstance(v, bool) \
                    else json_kind(v)
                # IntOrString decodes its number with a fresh json.Unmarshal; the outer decoder then
                # adds the field it was reading to the error.
                raise _Abort(f"json: cannot unmarshal {what} into Go struct field {struct}.{'.'.join(fields)} "
                             f"of type int32")
            return n
        # metav1.Time / MicroTime: a string in RFC 3339.
        if not isinstance(v, str):
            raise _Abort(f"json: cannot unmarshal {json_kind(v)} into Go struct field "
                         f"{struct}.{'.'.join(fields)} of type string")
        return _time(v)


_SKIP = object()


def _int32(v: Any) -> int | None:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return None
    if isinstance(v, float) and not (math.isfinite(v) and v == int(v)):
        return None
    n = int(v)
    return n if -(2**31) <= n < 2**31 else None


def _quantity(v: Any) -> Any:
    """A resource.Quantity: a string or a number that parses (its parse error otherwise)."""
    if isinstance(v, bool) or not isinstance(v, str | int | float):
        text = encode_json(v)[:-1] if isinstance(v, bool | Mapping | list | tuple) else str(v)
    else:
        text = v if isinstance(v, str) else _literal(v)
    try:
        Quantity.parse(text.strip())
    except (ValueError, ArithmeticError, OverflowError) as e:
        raise _Abort(str(e)) from None
    return v


def _time(v: str) -> str:
    if not _RFC3339.match(v):
        raise _Abort(f'parsing time "{v}" as "2006-01-02T15:04:05Z07:00": cannot parse "{v}" as "2006"')
    try:
        datetime.fromisoformat(v.replace("Z", "+00:00"))
    except ValueError:
        raise _Abort(f'parsing time "{v}": day out of range') from None
    return v


def decode(kind: Any, obj: Any) -> tuple[dict[str, Any], list[str]]:
    """``obj`` decoded as the API server decodes a request body into ``kind``'s Go type.

    Returns the decoded object and the unknown field paths (document order); raises
    :class:`DecodeError` with encoding/json's message (:class:`TooLarge` past the size limit).
    A kind without a schema is checked for shape and size only.
    """
    schema = kind if isinstance(kind, Struct) else schema_of(kind)
    d = _Json()
    try:
        if schema is None:
            _check_tree(obj, 0, d.budget)
            return thaw(obj), []
        if not isinstance(obj, Mapping):
            d.fail(json_kind(obj), schema, "", [])
            raise DecodeError(d.saved or "")
        out = d.struct(obj, schema, [], "", 0)
    except _Abort as e:
        raise DecodeError(e.message) from None
    if d.saved is not None:
        raise DecodeError(d.saved)
    return out, d.unknown


# --------------------------------------------------------------------------------------------
# the unstructured converter (strategic merge patches)


def _go_kind(v: Any) -> str:
    """reflect.Kind of an unstructured value."""
    scalar = go_scalar_type(v)
    if scalar is not None:
        return scalar
    if isinstance(v, list | tuple):
        return "slice"
    if isinstance(v, Mapping):
        return "map"
    return "invalid"


def _wrap(n: int, bits: int) -> int:
    return (n + 2 ** (bits - 1)) % 2**bits - 2 ** (bits - 1)


class _Converter:
    def __init__(self) -> None:
        self.unknown: list[str] = []
        self.budget = [MAX_BYTES]

    def value(self, v: Any, t: Type, path: str, depth: int) -> Any:
        if _is_null(v, depth):
            return _SKIP
        if isinstance(t, Scalar):
            return self.scalar(v, t)
        if isinstance(t, Special):
            return self.special(v, t, depth)
        if isinstance(t, Struct):
            if not isinstance(v, Mapping):
                raise _Abort(f"cannot restore struct from: {_go_kind(v)}")
            return self.struct(v, t, path, depth)
        if isinstance(t, ListOf):
            if not isinstance(v, list | tuple):
                raise _Abort(f"cannot restore slice from {_go_kind(v)}")
            out = []
            for i, item in enumerate(v):
                got = self.value(item, t.item, f"{path}[{i}]", depth + 1)
                out.append(_zero(t.item) if got is _SKIP else got)
            return out
        if isinstance(t, MapOf):
            if not isinstance(v, Mapping):
                raise _Abort(f"cannot restore map from {_go_kind(v)}")
            m: dict[str, Any] = {}
            for k, item in v.items():
                got = self.value(item, t.value, f"{path}[{k}]", depth + 1)
                m[_key(k)] = _zero(t.value) if got is _SKIP else got
            return m
        raise TypeError(t)  # pragma: no cover

    def struct(self, v: Mapping[str, Any], t: Struct, path: str, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, sub in t.fields.items():
            if key in v:
                got = self.value(v[key], sub, f"{path}.{key}" if path else key, depth + 1)
                if got is not _SKIP:
                    out[key] = got
        for key in v:
            if _key(key) not in t.fields:
                self.unknown.append(f"{path}.{key}" if path else _key(key))
                _check_tree(v[key], depth + 1, self.budget)
        return out

    @staticmethod
    def scalar(v: Any, t: Scalar) -> Any:
        kind = t.kind
        if isinstance(v, str):
            if kind == "string":
                return v
        elif isinstance(v, bool):
            if kind == "bool":
                return v
        elif isinstance(v, int):
            if kind in _INT_RANGE:
                return _wrap(v, int(kind[3:]))
            if kind == "string":
                raise _Abort(f"cannot convert int64 to {t.go_type}")
        elif isinstance(v, float) and kind in _INT_RANGE:
            if math.isfinite(v) and v == math.trunc(v):
                return _wrap(int(v), int(kind[3:]))
            raise _Abort(f"cannot convert float64 to {t.go_type}")
        raise _Abort(f"unrecognized type: {kind}")

    def special(self, v: Any, t: Special, depth: int) -> Any:
        if t.name == "any":
            _check_tree(v, depth, self.budget)
            return thaw(v)
        if t.name == "quantity":
            return _quantity(v)
        if t.name == "int-or-string":
            if isinstance(v, str):
                return v
            n = _int32(v)
            if n is None:
                what = f"number {_literal(v)}" if isinstance(v, int | float) and not isinstance(v, bool) \
                    else json_kind(v)
                raise _Abort(f"json: cannot unmarshal {what} into Go value of type int32")
            return n
        if not isinstance(v, str):
            raise _Abort(f"json: cannot unmarshal {json_kind(v)} into Go value of type string")
        return _time(v)


def convert(kind: Any, obj: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """``obj`` (a strategic merge patch's result) through the unstructured converter into
    ``kind``'s Go type. Returns the converted object and the unknown field paths (sorted, as the
    converter sorts its strict errors); raises :class:`DecodeError` with the converter's message."""
    schema = schema_of(kind)
    c = _Converter()
    try:
        if schema is None:
            _check_tree(obj, 0, c.budget)
            return thaw(obj), []
        out = c.struct(obj, schema, "", 0)
    except _Abort as e:
        raise DecodeError(e.message) from None
    return out, sorted(c.unknown, key=lambda p: f'unknown field "{p}"')


def go_v(value: Any, depth: int = 0) -> str:
    """Go's ``%v`` of an unstructured value (a patch map in the API server's messages); parts
    nested deeper than MAX_DEPTH print as ``...``."""
    if depth > MAX_DEPTH:
        return "..."
    if isinstance(value, Mapping):
        return "map[" + " ".join(f"{_key(k)}:{go_v(value[k], depth + 1)}" for k in sorted(value, key=_key)) + "]"
    if isinstance(value, list | tuple):
        return "[" + " ".join(go_v(v, depth + 1) for v in value) + "]"
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return go_float(value)
    return str(value)
