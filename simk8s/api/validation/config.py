"""ConfigMap, Secret and Lease validation (pkg/apis/core/validation, pkg/apis/coordination/validation)."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from typing import Any

import simk8s.api.validation.common as common
from simk8s.api.errors import FieldError

__all__ = ["validate_config_map", "validate_lease", "validate_secret"]

Errors = list[FieldError]

_CONFIG_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
_MAX_DATA = 1024 * 1024   # a ConfigMap's or Secret's data may not exceed 1 MiB (etcd's object limit)


def _key_errors(key: str, path: str) -> Errors:
    errs: Errors = []
    if len(key) > 253:
        errs.append(FieldError.invalid(path, key, "must be no more than 253 characters"))
    if not _CONFIG_KEY.match(key):
        errs.append(FieldError.invalid(path, key, "a valid config key must consist of alphanumeric characters, "
                                                  "'-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or "
                                                  "'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"))
    elif key in (".", "..") or key.startswith(".."):
        errs.append(FieldError.invalid(path, key, "must not be '.' or '..' or start with '..'"))
    return errs



def _immutable(obj: Mapping[str, Any], old: Mapping[str, Any] | None, fields: tuple[str, ...]) -> Errors:
    if old is None or not old.get("immutable"):
        return []
    errs: Errors = []
    for f in fields:
        if (obj.get(f) or {}) != (old.get(f) or {}):
            errs.append(FieldError.forbidden(f, "field is immutable when `immutable` is set"))
    if not obj.get("immutable"):
        errs.append(FieldError.forbidden("immutable", "field is immutable when `immutable` is set"))
    return errs


def validate_config_map(obj: Mapping[str, Any], old: Mapping[str, Any] | None) -> Errors:
    errs = common.object_meta(obj, old)
    size = 0
    data = obj.get("data") or {}
    binary = obj.get("binaryData") or {}
    for key, value in data.items():
        errs += _key_errors(key, f"data[{key}]")
        size += len(str(value))
    for key, value in binary.items():
        errs += _key_errors(key, f"binaryData[{key}]")
        if key in data:
            errs.append(FieldError.invalid(f"binaryData[{key}]", key, "duplicate of key present in data"))
        size += len(str(value)) * 3 // 4
    if size > _MAX_DATA:
        errs.append(FieldError.too_long("", "", _MAX_DATA))
    return errs + _immutable(obj, old, ("data", "binaryData"))


def validate_secret(obj: Mapping[str, Any], old: Mapping[str, Any] | None) -> Errors:
    errs = common.object_meta(obj, old)
    size = 0
    for key, value in (obj.get("data") or {}).items():
        errs += _key_errors(key, f"data[{key}]")
        try:
            size += len(base64.b64decode(str(value), validate=True))
        except (binascii.Error, ValueError):
            errs.append(FieldError.invalid(f"data[{key}]", "<secret contents redacted>", "illegal base64 data"))
    if size > _MAX_DATA:
        errs.append(FieldError.too_long("data", "", _MAX_DATA))
    if old is not None and obj.get("type") != old.get("type"):
        errs += common.immutable(obj.get("type"), old.get("type"), "type")
    return errs + _immutable(obj, old, ("data",))


def validate_lease(obj: Mapping[str, Any], old: Mapping[str, Any] | None) -> Errors:
    errs = common.object_meta(obj, old)
    spec = obj.get("spec") or {}
    for f in ("leaseDurationSeconds", "leaseTransitions"):
        v = spec.get(f)
        if isinstance(v, int) and (v <= 0 if f == "leaseDurationSeconds" else v < 0):
            errs.append(FieldError.invalid(f"spec.{f}", v, "must be greater than 0" if f == "leaseDurationSeconds"
                                           else "must be greater than or equal to 0"))
    return errs
