"""Decoding the Kubernetes protobuf encoding, for the request bodies kubectl sends that way.

kubectl's typed clients (``kubectl create configmap``, ``create secret``) send
``application/vnd.kubernetes.protobuf``: the magic ``k8s\\x00``, then a ``runtime.Unknown`` whose
``raw`` field is the object's own message (field numbers from k8s.io/api's generated.proto).
Only the kinds listed in :data:`MESSAGES` are understood; the rest get 415 and clients that can
send JSON (every other kubectl command) do. Replies are always JSON.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

from simk8s.api.errors import BadRequest, UnsupportedMediaType

__all__ = ["MESSAGES", "decode"]

MAGIC = b"k8s\x00"

# Field number -> (JSON name, how to read it): "str", "int", "bool", "bytes" (base64 in JSON),
# "map" (string -> string), "bmap" (string -> bytes), "strs" (repeated string), or a message name.
_Fields = dict[int, tuple[str, str]]
MESSAGES: dict[str, _Fields] = {
    "ObjectMeta": {1: ("name", "str"), 2: ("generateName", "str"), 3: ("namespace", "str"), 5: ("uid", "str"),
                   6: ("resourceVersion", "str"), 11: ("labels", "map"), 12: ("annotations", "map"),
                   14: ("finalizers", "strs")},
    "ConfigMap": {1: ("metadata", "ObjectMeta"), 2: ("data", "map"), 3: ("binaryData", "bmap"),
                  4: ("immutable", "bool")},
    "Secret": {1: ("metadata", "ObjectMeta"), 2: ("data", "bmap"), 3: ("type", "str"), 4: ("stringData", "map"),
               5: ("immutable", "bool")},
}
_UNKNOWN: _Fields = {1: ("typeMeta", "TypeMeta"), 2: ("raw", "raw")}
_TYPE_META: _Fields = {1: ("apiVersion", "str"), 2: ("kind", "str")}


def _varint(data: bytes, i: int) -> tuple[int, int]:
    shift = value = 0
    while True:
        if i >= len(data) or shift > 63:
            raise BadRequest("protobuf: truncated or overlong varint")
        b = data[i]
        i += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return value, i


def _fields(data: bytes) -> Iterator[tuple[int, int | bytes]]:
    i = 0
    while i < len(data):
        key, i = _varint(data, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(data, i)
            yield number, value
        elif wire == 2:
            length, i = _varint(data, i)
            if i + length > len(data):
                raise BadRequest("protobuf: truncated field")
            yield number, data[i:i + length]
            i += length
        elif wire in (1, 5):
            i += 8 if wire == 1 else 4
        else:
            raise BadRequest(f"protobuf: unsupported wire type {wire}")


def _text(v: int | bytes) -> str:
    if not isinstance(v, bytes):
        raise BadRequest("protobuf: expected a string")
    return v.decode("utf-8", errors="replace")


def _message(data: bytes, fields: _Fields) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for number, value in _fields(data):
        entry = fields.get(number)
        if entry is None:
            continue
        name, how = entry
        if how == "str":
            out[name] = _text(value)
        elif how == "int":
            out[name] = int(value) if isinstance(value, int) else 0
        elif how == "bool":
            out[name] = bool(value)
        elif how == "raw":
            out[name] = value
        elif how == "strs":
            out.setdefault(name, []).append(_text(value))
        elif how in ("map", "bmap"):
            if not isinstance(value, bytes):
                raise BadRequest("protobuf: expected a map entry")
            pair = {n: v for n, v in _fields(value)}
            key = _text(pair.get(1, b""))
            raw = pair.get(2, b"")
            if not isinstance(raw, bytes):
                raise BadRequest("protobuf: expected a map value")
            out.setdefault(name, {})[key] = base64.b64encode(raw).decode() if how == "bmap" else _text(raw)
        else:
            if not isinstance(value, bytes):
                raise BadRequest("protobuf: expected a message")
            out[name] = _message(value, _TYPE_META if how == "TypeMeta" else MESSAGES[how])
    return out


def decode(raw: bytes) -> dict[str, Any]:
    """The JSON-shaped object of a protobuf request body; 415 for kinds not in :data:`MESSAGES`."""
    if not raw.startswith(MAGIC):
        raise BadRequest("provided data does not appear to be a protobuf message, expected prefix "
                         "[107 56 115 0]")
    unknown = _message(raw[len(MAGIC):], _UNKNOWN)
    type_meta = unknown.get("typeMeta") or {}
    kind = type_meta.get("kind", "")
    fields = MESSAGES.get(kind)
    if fields is None or kind == "ObjectMeta":
        raise UnsupportedMediaType(f"the body of the request was in an unknown format - accepted media types "
                                   f"include: application/json, application/yaml (protobuf only for "
                                   f"{', '.join(k for k in MESSAGES if k != 'ObjectMeta')})")
    obj = _message(unknown.get("raw") or b"", fields)
    return {"apiVersion": type_meta.get("apiVersion", "v1"), "kind": kind, **obj}
