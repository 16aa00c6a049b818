"""kubectl's JSONPath templates (``-o jsonpath=...``), after k8s.io/client-go/util/jsonpath.

Supported: literal text, ``{.a.b}``, ``{.items[*].metadata.name}``, ``[n]``, ``[start:end]``,
``['key']``, recursive ``..name``, filters ``[?(@.type=="Ready")]`` (``==``, ``!=``, ``<``, ``>``,
``<=``, ``>=``, and a bare ``@.key`` for existence), ``{range ...}...{end}`` and quoted string
literals such as ``{"\\n"}``. Several results of one expression are joined with a space.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["JsonPathError", "jsonpath"]


class JsonPathError(ValueError):
    """A template that does not parse, or a key that is not found."""


_TOKEN = re.compile(r"\{((?:[^{}\"]|\"(?:[^\"\\]|\\.)*\")*)\}")


def _parse(template: str) -> list[tuple[str, str]]:
    """[(kind, text)]: kind is "text", "expr", "range" or "end"."""
    out: list[tuple[str, str]] = []
    pos = 0
    for m in _TOKEN.finditer(template):
        if m.start() > pos:
            out.append(("text", template[pos:m.start()]))
        inner = m.group(1).strip()
        if inner.startswith("range "):
            out.append(("range", inner[6:].strip()))
        elif inner == "end":
            out.append(("end", ""))
        else:
            out.append(("expr", inner))
        pos = m.end()
    if "{" in template[pos:]:
        raise JsonPathError("unclosed action")
    if pos < len(template):
        out.append(("text", template[pos:]))
    return out


def _steps(expr: str) -> list[tuple[str, Any]]:
    """Split ``.a.b[0]..c[?(@.x=="y")]`` into steps."""
    steps: list[tuple[str, Any]] = []
    i = 0
    if expr.startswith("$"):
        i = 1
    while i < len(expr):
        c = expr[i]
        if expr.startswith("..", i):
            m = re.match(r"\.\.([A-Za-z0-9_\-/$]+)", expr[i:])
            if not m:
                raise JsonPathError(f"unrecognized character in action: {expr[i:]!r}")
            steps.append(("recurse", m.group(1)))
            i += m.end()
        elif c == ".":
            m = re.match(r"\.([A-Za-z0-9_\-/$]*)", expr[i:])
            assert m is not None
            if m.group(1):
                steps.append(("key", m.group(1)))
            i += m.end()
        elif c == "[":
            depth, j = 0, i
            while j < len(expr):
                if expr[j] == "[":
                    depth += 1
                elif expr[j] == "]":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            if j >= len(expr):
                raise JsonPathError("unterminated array")
            steps.append(_bracket(expr[i + 1:j]))
            i = j + 1
        else:
            raise JsonPathError(f"unrecognized character in action: U+{ord(c):04X} {c!r}")
    return steps


def _bracket(inner: str) -> tuple[str, Any]:
    inner = inner.strip()
    if inner == "*":
        return ("all", None)
    if inner.startswith("?(") and inner.endswith(")"):
        return ("filter", inner[2:-1].strip())
    if inner[:1] in "'\"" and inner[-1:] == inner[:1]:
        return ("key", inner[1:-1])
    if ":" in inner:
        parts = inner.split(":")
        nums = [int(p) if p.strip() else None for p in parts]
        return ("slice", ([*nums, None, None])[:3])
    try:
        return ("index", int(inner))
    except ValueError:
        raise JsonPathError(f"invalid array index {inner}") from None


def _literal(expr: str) -> str | None:
    if len(expr) >= 2 and expr[0] == expr[-1] == '"':
        return str(json.loads(expr))
    return None


def _filter_match(item: Any, cond: str) -> bool:
    m = re.match(r"^@((?:\.[A-Za-z0-9_\-/]+|\[[^\]]*\])*)\s*(==|!=|<=|>=|<|>)?\s*(.*)$", cond)
    if not m:
        raise JsonPathError(f"unrecognized filter: {cond}")
    path, op, rhs = m.group(1), m.group(2), m.group(3).strip()
    values = _eval(_steps(path), [item], strict=False) if path else [item]
    if not op:
        return bool(values)
    if rhs[:1] in "'\"" and rhs[-1:] == rhs[:1]:
        target: Any = rhs[1:-1]
    else:
        try:
            target = json.loads(rhs)
        except ValueError:
            target = rhs
    for v in values:
        try:
            if (op == "==" and v == target) or (op == "!=" and v != target) or (op == "<" and v < target) or \
                    (op == ">" and v > target) or (op == "<=" and v <= target) or (op == ">=" and v >= target):
                return True
        except TypeError:
            continue
    return False


def _eval(steps: list[tuple[str, Any]], current: list[Any], strict: bool = True,
          allow_missing: bool = True) -> list[Any]:
    """Apply ``steps``; a missing key yields nothing (kubectl's --allow-missing-template-keys=true
    default), an index out of range is an error."""
    for kind, arg in steps:
        nxt: list[Any] = []
        for cur in current:
            if kind == "key":
                if isinstance(cur, Mapping) and arg in cur:
                    nxt.append(cur[arg])
                elif strict and not allow_missing and not isinstance(cur, list):
                    raise JsonPathError(f"{arg} is not found")
            elif kind == "all":
                if isinstance(cur, list):
                    nxt.extend(cur)
                elif isinstance(cur, Mapping):
                    nxt.extend(cur.values())
            elif kind == "index":
                if isinstance(cur, list):
                    if -len(cur) <= arg < len(cur):
                        nxt.append(cur[arg])
                    elif strict:
                        raise JsonPathError(f"array index out of bounds: index {arg}, length {len(cur)}")
            elif kind == "slice":
                if isinstance(cur, list):
                    start, end, step = arg
                    nxt.extend(cur[slice(start, end, step)])
            elif kind == "filter":
                items = cur if isinstance(cur, list) else [cur]
                nxt.extend(x for x in items if _filter_match(x, arg))
            elif kind == "recurse":
                nxt.extend(_recurse(cur, arg))
        current = nxt
    return current


def _recurse(node: Any, key: str) -> list[Any]:
    out = []
    if isinstance(node, Mapping):
        if key in node:
            out.append(node[key])
        for v in node.values():
            out.extend(_recurse(v, key))
    elif isinstance(node, list):
        for v in node:
            out.extend(_recurse(v, key))
    return out


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, (Mapping, list)):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)


def _run(tokens: list[tuple[str, str]], data: Any, template: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(tokens):
        kind, text = tokens[i]
        if kind == "text":
            out.append(text)
        elif kind == "expr":
            lit = _literal(text)
            if lit is not None:
                out.append(lit)
            else:
                values = _values(text, data, template)
                out.append(" ".join(_text(v) for v in values))
        elif kind == "range":
            depth, j = 1, i + 1
            while j < len(tokens):
                if tokens[j][0] == "range":
                    depth += 1
                elif tokens[j][0] == "end":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            if j >= len(tokens):
                raise JsonPathError("unclosed range")
            for item in _values(text, data, template):
                out.append(_run(tokens[i + 1:j], item, template))
            i = j
        elif kind == "end":
            raise JsonPathError("not in range, nothing to end")
        i += 1
    return "".join(out)


def _values(expr: str, data: Any, template: str) -> list[Any]:
    expr = expr.strip()
    if expr in ("", "@", "$", "."):
        return [data]
    if expr.startswith("@"):
        expr = expr[1:]
    try:
        return _eval(_steps(expr), [data])
    except JsonPathError as e:
        raise JsonPathError(f'error executing jsonpath "{template}": Error executing template: {e}. Printing more '
                            f"information for debugging the template:\n\ttemplate was:\n\t\t{template}\n\t"
                            f"object given to jsonpath engine was:\n\t\t{_go_map(data)}\n\n") from None


def _go_map(data: Any) -> str:
    return "map[...]" if isinstance(data, Mapping) else _text(data)


def find(expr: str, data: Any) -> list[Any]:
    """The values one JSONPath expression (``.status.replicas``, without braces) selects."""
    return _values(expr, data, "{" + expr + "}")


def jsonpath(template: str, data: Any) -> str:
    """The output of ``kubectl get -o jsonpath=<template>`` for ``data`` (an object or a List)."""
    return _run(_parse(template), data, template)
