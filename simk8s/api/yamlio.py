"""YAML and JSON as kubectl writes and reads them.

Output (``kubectl get -o yaml|json``):

* :func:`dump_yaml` reproduces sigs.k8s.io/yaml (its go-yaml v2.4 fork): keys sorted with go-yaml's
  "natural" key order at every level, 2-space indent, sequences not indented under their key,
  strings quoted only when they would otherwise read as another type (``"80"``, ``"true"``,
  ``"2024-01-01T00:00:00Z"``, ``""``) or could not be plain, multi-line strings as ``|`` blocks,
  and long lines folded at 80 columns at spaces, as go-yaml v2.4 does.
* :func:`dump_json` reproduces ``json.MarshalIndent(obj, "", "    ")`` of an unstructured object:
  keys sorted, 4-space indent, ``<``, ``>``, ``&`` escaped as ``\\u003c`` etc., non-ASCII kept.
* :func:`as_list` wraps several objects the way ``kubectl get`` does.

Input (``simk8s.api.yamlinput``) resolves plain scalars with :func:`resolve_plain`, as go-yaml v2
does (YAML 1.1 booleans such as ``yes``/``on``/``y``, ``0x`` and leading-zero octal integers).
"""

from __future__ import annotations

import datetime
import decimal
import functools
import io
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from yaml.emitter import Emitter
from yaml.events import (
    DocumentEndEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)

__all__ = [
    "TRUE_WORDS",
    "UNRESOLVED",
    "as_list",
    "dump_json",
    "dump_yaml",
    "encode_json",
    "go_float",
    "go_parse_int",
    "integral",
    "json_number",
    "normalize_numbers",
    "resolve_plain",
    "sorted_keys",
]


# --------------------------------------------------------------------------------------------
# Scalar resolution, as go-yaml v2 resolves plain scalars

_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"})
_FALSE = frozenset({"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"})
_SPECIAL_FLOATS = {
    ".inf": math.inf, ".Inf": math.inf, ".INF": math.inf, "+.inf": math.inf, "+.Inf": math.inf,
    "+.INF": math.inf, "-.inf": -math.inf, "-.Inf": -math.inf, "-.INF": -math.inf,
    ".nan": math.nan, ".NaN": math.nan, ".NAN": math.nan,
}
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
# The layouts go-yaml v2 tries (Go's time.Parse: 1-2 digit fields, optional fraction).
_TIMESTAMPS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})[Tt](\d{1,2}):(\d{1,2}):(\d{1,2})(\.\d+)?(Z|[-+]\d{2}:\d{2})$"),
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2}) (\d{1,2}):(\d{1,2}):(\d{1,2})(\.\d+)?$"),
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
)
_BASE60 = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")
_GO_INT = re.compile(r"^[-+]?(0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|0[bB][01]+|[1-9][0-9]*|0)$")
_UNRESOLVED = object()


def _go_parse_int(s: str) -> int | None:
    """strconv.ParseInt(s, 0, 64) (after go-yaml removed underscores); None if it fails."""
    if not _GO_INT.match(s):
        return None
    sign = -1 if s[0] == "-" else 1
    body = s.lstrip("+-")
    if body[:2] in ("0x", "0X"):
        v = int(body[2:], 16)
    elif body[:2] in ("0b", "0B"):
        v = int(body[2:], 2)
    elif body[:2] in ("0o", "0O"):
        v = int(body[2:], 8)
    elif len(body) > 1 and body[0] == "0":
        v = int(body[1:], 8)
    else:
        v = int(body)
    v *= sign
    return v if -(2**63) <= v < 2**64 else None


def _resolve_plain(s: str) -> Any:
    """The value of an untagged plain scalar, or :data:`_UNRESOLVED` when it is a string."""
    if s in _NULLS:
        return None
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    if s in _SPECIAL_FLOATS:
        return _SPECIAL_FLOATS[s]
    if s and (s[0] in "+-.0123456789"):
        v = _go_parse_int(s.replace("_", ""))
        if v is not None:
            return v
        if _FLOAT.match(s.replace("_", "")):
            f = float(s.replace("_", ""))
            # strconv.ParseFloat fails on overflow (1e400): go-yaml keeps the scalar a string.
            return _UNRESOLVED if math.isinf(f) else f
    return _UNRESOLVED


def _is_timestamp(s: str) -> bool:
    for layout in _TIMESTAMPS:
        m = layout.match(s)
        if m:
            parts = [int(g) for g in m.groups()[:6] if g is not None and g.isdigit()]
            try:
                datetime.date(parts[0], parts[1], parts[2])
            except ValueError:
                return False
            return len(parts) == 3 or (parts[3] < 24 and parts[4] < 60 and parts[5] < 60)
    return False


def _needs_quotes(s: str) -> bool:
    """Whether go-yaml quotes ``s``: it would read back as another type (``80``, ``true``,
    ``2024-01-01T00:00:00Z``, ``<<``) or as a YAML 1.1 base-60 number (``8080:80``)."""
    return (s == "<<" or _resolve_plain(s) is not _UNRESOLVED or _is_timestamp(s)
            or bool(_BASE60.match(s)))


def _integral(value: Any) -> Any:
    # JSON has one number type: an integral float reaches the API server as an integer.
    if isinstance(value, float) and math.isfinite(value) and value == int(value) and abs(value) < 2**63:
        return int(value)
    return value


def normalize_numbers(value: Any) -> Any:
    """Integral floats as ints, all the way down: ``1e3`` reaches the API server as ``1000``."""
    if isinstance(value, dict):
        return {k: normalize_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalize_numbers(v) for v in value]
    return _integral(value)


# --------------------------------------------------------------------------------------------
# Numbers as Go prints them


def _digits(f: float) -> tuple[str, str, int]:
    """(sign, shortest significant digits, decimal point position) of a finite non-zero float."""
    _, digits, exp = decimal.Decimal(repr(abs(f))).as_tuple()
    ds = "".join(map(str, digits))
    stripped = ds.rstrip("0")
    exp = int(exp) + len(ds) - len(stripped)
    ds = stripped.lstrip("0")
    return ("-" if f < 0 else ""), ds, len(ds) + exp


def _fixed(ds: str, dp: int) -> str:
    if dp <= 0:
        return "0." + "0" * -dp + ds
    if dp >= len(ds):
        return ds + "0" * (dp - len(ds))
    return ds[:dp] + "." + ds[dp:]


def _exponent(ds: str, dp: int) -> str:
    x = dp - 1
    mant = ds[0] + ("." + ds[1:] if len(ds) > 1 else "")
    return f"{mant}e{'+' if x >= 0 else '-'}{abs(x):02d}"


def go_float(f: float) -> str:
    """strconv.FormatFloat(f, 'g', -1, 64): shortest digits, exponent form below 1e-4 or from 1e6 up."""
    if math.isinf(f):
        return ".inf" if f > 0 else "-.inf"
    if math.isnan(f):
        return ".nan"
    if f == 0:
        return "-0" if math.copysign(1, f) < 0 else "0"
    sign, ds, dp = _digits(f)
    if dp - 1 < -4 or dp - 1 >= 6:
        return sign + _exponent(ds, dp)
    return sign + _fixed(ds, dp)


def _number(value: int | float) -> str:
    if isinstance(value, float):
        v = _integral(value)
        if isinstance(v, int):
            return str(v)
        return go_float(value)
    return str(value)


# --------------------------------------------------------------------------------------------
# YAML output


def _key_less(a: str, b: str) -> bool:
    """go-yaml v2's key order: letters compare by code point, digit runs numerically, letters last."""
    ar, br = a, b
    for i in range(min(len(ar), len(br))):
        if ar[i] == br[i]:
            continue
        al, bl = ar[i].isalpha(), br[i].isalpha()
        if al and bl:
            return ar[i] < br[i]
        if al or bl:
            return bl
        an = bn = 0
        if ar[i] == "0" or br[i] == "0":
            j = i - 1
            while j >= 0 and ar[j].isdecimal():
                if ar[j] != "0":
                    an = bn = 1
                    break
                j -= 1
        ai = i
        while ai < len(ar) and ar[ai].isdecimal():
            an = an * 10 + ord(ar[ai]) - 48  # Go: int64(r - '0'), whatever the script
            ai += 1
        bi = i
        while bi < len(br) and br[bi].isdecimal():
            bn = bn * 10 + ord(br[bi]) - 48
            bi += 1
        if an != bn:
            return an < bn
        if ai != bi:
            return ai < bi
        return ar[i] < br[i]
    return len(ar) < len(br)


def _key_cmp(a: str, b: str) -> int:
    return -1 if _key_less(a, b) else (1 if _key_less(b, a) else 0)


_sort_key = functools.cmp_to_key(_key_cmp)


def sorted_keys(mapping: Mapping[str, Any]) -> list[str]:
    """The keys of ``mapping`` in the order go-yaml v2 writes them."""
    return sorted(mapping, key=_sort_key)


def _scalar(text: str, *, plain: bool = True, style: str | None = None) -> ScalarEvent:
    return ScalarEvent(None, None, (plain, True), text, style=style)


def _events(value: Any) -> Iterator[Event]:
    if isinstance(value, Mapping):
        yield MappingStartEvent(None, None, True, flow_style=False)
        for k in sorted_keys(value):
            yield from _events(k)
            yield from _events(value[k])
        yield MappingEndEvent()
    elif isinstance(value, list | tuple):
        yield SequenceStartEvent(None, None, True, flow_style=False)
        for item in value:
            yield from _events(item)
        yield SequenceEndEvent()
    elif value is None:
        yield _scalar("null")
    elif isinstance(value, bool):
        yield _scalar("true" if value else "false")
    elif isinstance(value, int | float):
        yield _scalar(_number(value))
    else:
        s = str(value)
        if "\n" in s:
            yield _scalar(s, plain=False, style="|")
        elif _needs_quotes(s):
            yield _scalar(s, plain=False, style='"')
        else:
            yield _scalar(s)


def _escape(ch: str) -> str | None:
    """go-yaml's double-quoted escape for ``ch``, or None when it is written as is."""
    o = ord(ch)
    printable = ch == "\n" or 0x20 <= o <= 0x7E or 0xA0 <= o <= 0xD7FF or 0xE000 <= o <= 0xFFFD
    if printable and ch not in '"\\\n\x85\u2028\u2029\ufeff':
        return None
    named = Emitter.ESCAPE_REPLACEMENTS.get(ch)
    if named is not None:
        return "\\" + named
    if o <= 0xFF:
        return f"\\x{o:02X}"
    if o <= 0xFFFF:
        return f"\\u{o:04X}"
    return f"\\U{o:08X}"


class _GoEmitter(Emitter):
    """PyYAML's emitter (a libyaml port, like go-yaml's) with go-yaml's double-quoted folding."""

    def analyze_scalar(self, scalar: str) -> Any:
        analysis = super().analyze_scalar(scalar)
        # go-yaml's is_printable rejects characters outside the BMP and NEL: double quotes only.
        if any(ord(ch) > 0xFFFF or ch == "\x85" for ch in scalar):
            analysis.allow_flow_plain = analysis.allow_block_plain = False
            analysis.allow_single_quoted = analysis.allow_block = False
        return analysis

    def expect_document_start(self, first: bool = False) -> None:
        # go-yaml's encoder clears open_ended before the stream end: no "..." after a |+ block.
        if isinstance(self.event, StreamEndEvent):
            self.open_ended = False
        super().expect_document_start(first)

    def write_double_quoted(self, text: str, split: bool = True) -> None:
        self.write_indicator('"', True)
        spaces = False
        for i, ch in enumerate(text):
            esc = _escape(ch)
            if esc is not None:
                self._put(esc)
                spaces = False
            elif ch == " ":
                # go-yaml breaks at a single space past the width; the space becomes the line break.
                if split and not spaces and self.column > self.best_width and 0 < i < len(text) - 1:
                    self.write_indent()
                    if text[i + 1] == " ":
                        self._put("\\")
                else:
                    self._put(" ")
                spaces = True
            else:
                self._put(ch)
                spaces = False
        self.write_indicator('"', False)

    def _put(self, data: str) -> None:
        self.column += len(data)
        self.whitespace = False
        self.indention = False
        self.stream.write(data)


def dump_yaml(obj: Any) -> str:
    """``obj`` exactly as ``kubectl get -o yaml`` prints it (newline-terminated)."""
    out = io.StringIO()
    emitter = _GoEmitter(out, width=80, indent=2, allow_unicode=True)
    events: list[Event] = [StreamStartEvent(), DocumentStartEvent(explicit=False)]
    events.extend(_events(obj))
    events += [DocumentEndEvent(explicit=False), StreamEndEvent()]
    for event in events:
        emitter.emit(event)
    return out.getvalue()


# --------------------------------------------------------------------------------------------
# JSON output

_JSON_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f",
                 "<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def _json_string(s: str) -> str:
    out = ['"']
    for ch in s:
        esc = _JSON_ESCAPES.get(ch)
        if esc is not None:
            out.append(esc)
        elif ord(ch) < 0x20:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _json_number(value: int | float) -> str:
    """encoding/json's number: shortest digits, 'e' form below 1e-6 or from 1e21 (``1e-7``, ``1e+21``)."""
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        raise ValueError(f"json: unsupported value: {go_float(value)}")
    if value == 0:
        return "-0" if math.copysign(1, value) < 0 else "0"
    sign, ds, dp = _digits(value)
    if abs(value) < 1e-6 or abs(value) >= 1e21:
        return sign + re.sub(r"e-0(\d)$", r"e-\1", _exponent(ds, dp))
    return sign + _fixed(ds, dp)


json_number = _json_number
# For the YAML reader (simk8s.api.yamlinput), which resolves scalars as this module prints them.
resolve_plain = _resolve_plain
UNRESOLVED = _UNRESOLVED
go_parse_int = _go_parse_int
integral = _integral
TRUE_WORDS = _TRUE


def _json_scalar(value: Any) -> str:
    """A JSON scalar as Go's encoder writes it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _json_number(value)
    return _json_string(str(value))


def _json(value: Any, indent: str, out: list[str]) -> None:
    if isinstance(value, Mapping):
        if not value:
            out.append("{}")
            return
        inner = indent + "    "
        out.append("{")
        for n, k in enumerate(sorted(value)):
            out.append("," if n else "")
            out.append(f"\n{inner}{_json_string(k)}: ")
            _json(value[k], inner, out)
        out.append(f"\n{indent}}}")
    elif isinstance(value, list | tuple):
        if not value:
            out.append("[]")
            return
        inner = indent + "    "
        out.append("[")
        for n, item in enumerate(value):
            out.append("," if n else "")
            out.append(f"\n{inner}")
            _json(item, inner, out)
        out.append(f"\n{indent}]")
    else:
        out.append(_json_scalar(value))


def dump_json(obj: Any) -> str:
    """``obj`` exactly as ``kubectl get -o json`` prints it (newline-terminated)."""
    out: list[str] = []
    _json(obj, "", out)
    return "".join(out) + "\n"


def _compact(value: Any, out: list[str]) -> None:
    if isinstance(value, Mapping):
        out.append("{")
        for n, k in enumerate(sorted(value)):
            out.append(f"{',' if n else ''}{_json_string(k)}:")
            _compact(value[k], out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for n, item in enumerate(value):
            if n:
                out.append(",")
            _compact(item, out)
        out.append("]")
    else:
        out.append(_json_scalar(value))


def encode_json(obj: Any) -> str:
    """``obj`` as Go's json.Encoder writes a map: compact, keys sorted, HTML-escaped, newline-ended
    (the form of the last-applied-configuration annotation)."""
    out: list[str] = []
    _compact(obj, out)
    return "".join(out) + "\n"


def as_list(items: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Several objects wrapped as kubectl prints them: a ``v1`` ``List`` with an empty resourceVersion."""
    return {"apiVersion": "v1", "items": list(items), "kind": "List", "metadata": {"resourceVersion": ""}}
