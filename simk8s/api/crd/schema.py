"""A custom resource against its CRD's structural ``openAPIV3Schema``: pruning, defaulting and
validation, as the apiextensions API server does them, with its messages.

* :func:`prune` drops the fields the schema does not declare (unless
  ``x-kubernetes-preserve-unknown-fields``) and returns their paths, which strict field validation
  reports (``unknown field "spec.foo"``).
* :func:`default` drops ``null`` values of non-nullable fields and fills in ``default:`` values,
  into objects that are present only.
* :func:`validate` is kube-openapi's schema validator worded as field errors
  (``spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer:
  "string"``). The validators run per value in kube-openapi's order (type, string, number, array,
  enum, object); a value of the wrong type gets the type error only. Properties are checked in
  name order (Go's map order is random; this one is deterministic).

Schemas are plain JSON-shaped mappings. ``allOf``/``anyOf``/``oneOf``/``not``, ``format`` checks and
``x-kubernetes-validations`` (CEL) are not evaluated.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from simk8s.api.errors import FieldError
from simk8s.api.yamlio import encode_json, go_float

__all__ = ["default", "prune", "validate"]

#: The fields every object keeps at its root (and every embedded resource keeps).
_META = ("apiVersion", "kind", "metadata")


def _preserves(schema: Mapping[str, Any]) -> bool:
    return bool(schema.get("x-kubernetes-preserve-unknown-fields"))


def _child(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


# ------------------------------------------------------------------------------------ pruning
def prune(obj: Any, schema: Mapping[str, Any] | None, *, root: bool = True) -> list[str]:
    """Drop undeclared fields from ``obj`` in place; their paths in document order. (Bounded
    recursion: request bodies are checked against the depth limit before they are decoded.)"""
    out: list[str] = []
    if schema is not None:
        _prune(obj, schema, "", root, out)
    return out


def _prune(value: Any, s: Mapping[str, Any], path: str, keep_meta: bool, out: list[str]) -> None:
    if isinstance(value, dict):
        props = s.get("properties")
        extra = s.get("additionalProperties")
        keep_meta = keep_meta or bool(s.get("x-kubernetes-embedded-resource"))
        for key in list(value):
            sub = props.get(key) if isinstance(props, Mapping) else None
            if sub is None and isinstance(extra, Mapping):
                sub = extra
            if sub is None:
                if (keep_meta and key in _META) or _preserves(s) or extra is True:
                    continue
                out.append(_child(path, key))
                del value[key]
                continue
            _prune(value[key], sub, _child(path, key), False, out)
    elif isinstance(value, list):
        items = s.get("items")
        if isinstance(items, Mapping):
            for i, v in enumerate(value):
                _prune(v, items, f"{path}[{i}]", False, out)


# ---------------------------------------------------------------------------------- defaulting
def default(obj: Any, schema: Mapping[str, Any] | None) -> None:
    """Apply the schema's defaults in place (and drop nulls the schema does not allow)."""
    if schema is None:
        return
    stack: list[tuple[Any, Mapping[str, Any]]] = [(obj, schema)]
    while stack:
        value, s = stack.pop()
        if isinstance(value, dict):
            props = s.get("properties")
            if isinstance(props, Mapping):
                for key, sub in props.items():
                    if not isinstance(sub, Mapping):
                        continue
                    if key in value and value[key] is None and not sub.get("nullable"):
                        del value[key]
                    if key not in value and "default" in sub:
                        value[key] = copy.deepcopy(_plain(sub["default"]))
            extra = s.get("additionalProperties")
            for key, v in value.items():
                sub = props.get(key) if isinstance(props, Mapping) else None
                if sub is None and isinstance(extra, Mapping):
                    sub = extra
                if isinstance(sub, Mapping):
                    stack.append((v, sub))
        elif isinstance(value, list):
            items = s.get("items")
            if isinstance(items, Mapping):
                stack.extend((v, items) for v in value)


def _plain(v: Any) -> Any:
    if isinstance(v, Mapping):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_plain(x) for x in v]
    return v


# ---------------------------------------------------------------------------------- validation
def _json_type(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "integer" if v.is_integer() and abs(v) < 2**63 else "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list | tuple):
        return "array"
    return "object"


def _types(s: Mapping[str, Any]) -> list[str]:
    if s.get("x-kubernetes-int-or-string"):
        return ["integer", "string"]
    t = s.get("type")
    return [t] if isinstance(t, str) and t else []


def _num(v: float) -> str:
    """Go's %v of a float64 (the bound in a number message)."""
    return go_float(float(v))


def _enum_text(v: Any) -> str:
    return v if isinstance(v, str) else encode_json(_plain(v)).rstrip("\n")


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b if isinstance(a, bool) and isinstance(b, bool) else False
    return bool(_plain(a) == _plain(b))


def validate(obj: Any, schema: Mapping[str, Any] | None) -> list[FieldError]:
    """The field errors of ``obj`` against ``schema`` (empty when valid)."""
    errors: list[FieldError] = []
    if schema is None:
        return errors
    stack: list[tuple[Any, Mapping[str, Any], str]] = [(obj, schema, "")]
    while stack:
        value, s, path = stack.pop()
        children: list[tuple[Any, Mapping[str, Any], str]] = []
        _check(value, s, path, errors, children)
        stack.extend(reversed(children))
    return errors


def _check(value: Any, s: Mapping[str, Any], path: str, errors: list[FieldError],
           children: list[tuple[Any, Mapping[str, Any], str]]) -> None:
    name = path or "."
    if value is None and s.get("nullable"):
        return
    types = _types(s)
    actual = _json_type(value)
    if types and actual not in types and not (actual == "integer" and "number" in types):
        errors.append(FieldError.type_invalid(path, actual, f"{name} in body must be of type {','.join(types)}: "
                                                           f'"{actual}"'))
    if isinstance(value, str):
        _check_string(value, s, path, name, errors)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        _check_number(value, s, path, name, errors)
    elif isinstance(value, list):
        _check_array(value, s, path, name, errors, children)
    if "enum" in s and isinstance(s["enum"], list | tuple) and not any(_equal(value, e) for e in s["enum"]):
        errors.append(FieldError.not_supported(path, _plain(value), [_enum_text(e) for e in s["enum"]]))
    if isinstance(value, Mapping):
        _check_object(value, s, path, name, errors, children)


def _check_string(value: str, s: Mapping[str, Any], path: str, name: str, errors: list[FieldError]) -> None:
    if isinstance(s.get("maxLength"), int) and len(value) > s["maxLength"]:
        errors.append(FieldError.too_long(path, "", s["maxLength"]))
    if isinstance(s.get("minLength"), int) and len(value) < s["minLength"]:
        errors.append(FieldError.invalid(path, value, f"{name} in body should be at least {s['minLength']} "
                                                      "chars long"))
    pattern = s.get("pattern")
    if isinstance(pattern, str):
        try:
            matched = re.search(pattern, value) is not None
        except re.error:
            matched = True
        if not matched:
            errors.append(FieldError.invalid(path, value, f"{name} in body should match '{pattern}'"))


def _check_number(value: float, s: Mapping[str, Any], path: str, name: str, errors: list[FieldError]) -> None:
    mult = s.get("multipleOf")
    if isinstance(mult, int | float) and mult > 0 and (value / mult) != int(value / mult):
        errors.append(FieldError.invalid(path, value, f"{name} in body should be a multiple of {_num(mult)}"))
    high = s.get("maximum")
    if isinstance(high, int | float) and not isinstance(high, bool):
        exclusive = bool(s.get("exclusiveMaximum"))
        if value > high or (exclusive and value == high):
            words = "less than" if exclusive else "less than or equal to"
            errors.append(FieldError.invalid(path, value, f"{name} in body should be {words} {_num(high)}"))
    low = s.get("minimum")
    if isinstance(low, int | float) and not isinstance(low, bool):
        exclusive = bool(s.get("exclusiveMinimum"))
        if value < low or (exclusive and value == low):
            words = "greater than" if exclusive else "greater than or equal to"
            errors.append(FieldError.invalid(path, value, f"{name} in body should be {words} {_num(low)}"))


def _check_array(value: list[Any], s: Mapping[str, Any], path: str, name: str, errors: list[FieldError],
                 children: list[tuple[Any, Mapping[str, Any], str]]) -> None:
    if isinstance(s.get("maxItems"), int) and len(value) > s["maxItems"]:
        errors.append(FieldError.too_many(path, len(value), s["maxItems"]))
    if isinstance(s.get("minItems"), int) and len(value) < s["minItems"]:
        errors.append(FieldError.invalid(path, len(value), f"{name} in body should have at least "
                                                           f"{s['minItems']} items"))
    items = s.get("items")
    if isinstance(items, Mapping):
        children.extend((v, items, f"{path}[{i}]") for i, v in enumerate(value))


def _check_object(value: Mapping[str, Any], s: Mapping[str, Any], path: str, name: str, errors: list[FieldError],
                  children: list[tuple[Any, Mapping[str, Any], str]]) -> None:
    if isinstance(s.get("maxProperties"), int) and len(value) > s["maxProperties"]:
        errors.append(FieldError.too_many(path, len(value), s["maxProperties"]))
    if isinstance(s.get("minProperties"), int) and len(value) < s["minProperties"]:
        errors.append(FieldError.invalid(path, s["minProperties"], f"{name} in body should have at least "
                                                                   f"{s['minProperties']} properties"))
    for key in s.get("required") or ():
        if key not in value:
            errors.append(FieldError.required(_child(path, key), ""))
    props = s.get("properties")
    props = props if isinstance(props, Mapping) else {}
    extra = s.get("additionalProperties")
    for key in sorted(value):
        sub = props.get(key)
        if sub is None and isinstance(extra, Mapping):
            sub = extra
        if isinstance(sub, Mapping):
            children.append((value[key], sub, _child(path, key)))
