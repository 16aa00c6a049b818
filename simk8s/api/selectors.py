"""Label and field selectors, as apimachinery parses, prints and matches them.

* :func:`parse_label_selector` reads kubectl's ``-l`` syntax (``app=web,tier in (a,b),!canary``);
* :func:`from_api` turns a ``metav1.LabelSelector`` (matchLabels + matchExpressions) into one,
  with ``LabelSelectorAsSelector`` semantics (absent selects nothing, empty selects everything);
* :func:`parse_field_selector` reads ``--field-selector`` (``status.phase=Running,spec.nodeName!=``).

Malformed selectors raise :class:`~simk8s.api.errors.BadRequest` carrying the API server's text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import simk8s.api.names as names
from simk8s.api.errors import BadRequest, FieldError, aggregate, go_string_slice
from simk8s.api.frozen import FrozenDict, get_in

__all__ = [
    "Everything",
    "FieldSelector",
    "LabelSelector",
    "Nothing",
    "Requirement",
    "from_api",
    "from_set",
    "parse_field_selector",
    "parse_label_selector",
]

_BINARY_OPS = ("in", "notin", "=", "==", "!=", "gt", "lt")
_ALL_OPS = (*_BINARY_OPS, "exists", "!")


@dataclass(frozen=True)
class Requirement:
    """One term: ``key``, an operator (``in notin = == != exists ! gt lt``) and its values."""

    key: str
    operator: str
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        op = self.operator
        if op in ("in", "=", "=="):
            return self.key in labels and labels[self.key] in self.values
        if op in ("notin", "!="):
            return self.key not in labels or labels[self.key] not in self.values
        if op == "exists":
            return self.key in labels
        if op == "!":
            return self.key not in labels
        if op in ("gt", "lt") and self.key in labels:
            try:
                have, want = int(labels[self.key]), int(self.values[0])
            except (ValueError, IndexError):
                return False
            return have > want if op == "gt" else have < want
        return False

    def __str__(self) -> str:
        op = self.operator
        if op == "exists":
            return self.key
        if op == "!":
            return "!" + self.key
        vals = ",".join(sorted(self.values)) if len(self.values) > 1 else "".join(self.values)
        if op in ("in", "notin"):
            return f"{self.key} {op} ({vals})"
        sym = {"gt": ">", "lt": "<"}.get(op, op)
        return f"{self.key}{sym}{vals}"


@dataclass(frozen=True)
class LabelSelector:
    """An immutable label selector: all requirements must hold (sorted by key, as upstream)."""

    requirements: tuple[Requirement, ...] = ()
    nothing: bool = False

    @property
    def empty(self) -> bool:
        """True when it does not restrict anything (``Everything``); ``Nothing`` is not empty."""
        return not self.nothing and not self.requirements

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        if self.nothing:
            return False
        lbls = labels or {}
        return all(r.matches(lbls) for r in self.requirements)

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)


Everything = LabelSelector()
Nothing = LabelSelector(nothing=True)


def _new_requirement(key: str, op: str, values: Sequence[str], path: str = "<nil>") -> Requirement:
    """apimachinery's NewRequirement: validates key, operator arity and values (BadRequest on error)."""
    errs: list[FieldError] = []
    key_errs = names.is_qualified_name(key)
    if key_errs:
        errs.append(FieldError.invalid(_child(path, "key"), key, "; ".join(key_errs)))
    vpath = _child(path, "values")
    vals = list(values)
    shown = go_string_slice(vals)
    if op in ("in", "notin") and not vals:
        errs.append(
            FieldError.invalid(vpath, shown, "for 'in', 'notin' operators, values set can't be empty")
        )
    elif op in ("=", "==", "!=") and len(vals) != 1:
        errs.append(FieldError.invalid(vpath, shown, "exact-match compatibility requires one single value"))
    elif op in ("exists", "!") and vals:
        errs.append(
            FieldError.invalid(vpath, shown, "values set must be empty for exists and does not exist")
        )
    elif op in ("gt", "lt"):
        if len(vals) != 1:
            errs.append(
                FieldError.invalid(vpath, shown, "for 'Gt', 'Lt' operators, exactly one value is required")
            )
        for i, v in enumerate(vals):
            if not _is_int(v):
                errs.append(
                    FieldError.invalid(
                        f"{vpath}[{i}]", v, "for 'Gt', 'Lt' operators, the value must be an integer"
                    )
                )
    elif op not in _ALL_OPS:
        errs.append(FieldError.not_supported(_child(path, "operator"), op, _ALL_OPS))
    for i, v in enumerate(vals):
        v_errs = names.is_label_value(v)
        if v_errs:
            errs.append(FieldError.invalid(f"{vpath}[{i}][{key}]", v, "; ".join(v_errs)))
    if errs:
        raise BadRequest(aggregate(errs))
    return Requirement(key, op, tuple(vals))


def _child(path: str, name: str) -> str:
    # A nil field.Path prints "<nil>", but its children start afresh.
    return name if path == "<nil>" else f"{path}.{name}"


def _is_int(v: str) -> bool:
    try:
        int(v, 10)
    except ValueError:
        return False
    return True


def _sorted(reqs: list[Requirement]) -> LabelSelector:
    return LabelSelector(tuple(sorted(reqs, key=lambda r: r.key)))


def from_set(labels: Mapping[str, str] | None) -> LabelSelector:
    """The selector matching exactly these labels (``SelectorFromSet``); empty → Everything."""
    if not labels:
        return Everything
    return _sorted([Requirement(k, "=", (v,)) for k, v in labels.items()])


_API_OPS = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!"}


_PARSED: dict[int, tuple[Mapping[str, Any], LabelSelector]] = {}


def from_api(sel: Mapping[str, Any] | None) -> LabelSelector:
    """A ``metav1.LabelSelector`` as a selector: None → Nothing, ``{}`` → Everything.

    Raises BadRequest for an unknown operator (``"Foo" is not a valid label selector operator``)
    or a malformed requirement. Selectors of stored (frozen) objects are parsed once.
    """
    if sel is None:
        return Nothing
    if type(sel) is FrozenDict:
        hit = _PARSED.get(id(sel))
        if hit is not None and hit[0] is sel:
            return hit[1]
        parsed = _from_api(sel)
        if len(_PARSED) >= 4096:
            _PARSED.clear()
        _PARSED[id(sel)] = (sel, parsed)
        return parsed
    return _from_api(sel)


def _from_api(sel: Mapping[str, Any]) -> LabelSelector:
    match_labels = sel.get("matchLabels") or {}
    exprs = sel.get("matchExpressions") or []
    if not match_labels and not exprs:
        return Everything
    reqs = [_new_requirement(k, "=", [v]) for k, v in match_labels.items()]
    for e in exprs:
        op = _API_OPS.get(e.get("operator", ""))
        if op is None:
            raise BadRequest(f'"{e.get("operator", "")}" is not a valid label selector operator')
        reqs.append(_new_requirement(e.get("key", ""), op, list(e.get("values") or [])))
    return _sorted(reqs)


# --------------------------------------------------------------------------------------------
# kubectl's -l syntax


_SPECIAL = "=!(),><"
_WS = " \t\r\n"
_KEYWORDS = {"in", "notin"}
_SYMBOLS = {")", ",", "!", "==", "=", ">", "<", "!=", "("}


def _lex(s: str) -> list[tuple[str, str]]:
    """Tokens as (kind, literal); kind is 'id', 'end', 'error', a symbol, or 'in'/'notin'."""
    out: list[tuple[str, str]] = []
    i, n = 0, len(s)
    while True:
        while i < n and s[i] in _WS:
            i += 1
        if i >= n:
            out.append(("end", ""))
            return out
        if s[i] in _SPECIAL:
            buf, last = "", ""
            while i < n and s[i] in _SPECIAL:
                buf += s[i]
                if buf in _SYMBOLS:
                    last = buf
                    i += 1
                elif last:
                    break
                else:
                    i += 1
            if not last:
                out.append(("error", f"error expected: keyword found '{buf}'"))
            else:
                out.append((last, last))
            continue
        j = i
        while j < n and s[j] not in _SPECIAL and s[j] not in _WS:
            j += 1
        word = s[i:j]
        i = j
        out.append((word if word in _KEYWORDS else "id", word))


class _Parser:
    def __init__(self, text: str) -> None:
        self.items = _lex(text)
        self.pos = 0

    def peek(self, values: bool = True) -> tuple[str, str]:
        tok, lit = self.items[self.pos]
        return ("id" if values and tok in _KEYWORDS else tok), lit

    def take(self, values: bool = True) -> tuple[str, str]:
        item = self.peek(values)
        self.pos += 1
        return item

    def parse(self) -> list[Requirement]:
        reqs: list[Requirement] = []
        while True:
            tok, lit = self.peek()
            if tok == "end":
                return reqs
            if tok not in ("id", "!"):
                raise BadRequest(f"found '{lit}', expected: !, identifier, or 'end of string'")
            try:
                reqs.append(self.requirement())
            except BadRequest as e:
                raise BadRequest(f"unable to parse requirement: {e.message}") from None
            tok, lit = self.take()
            if tok == "end":
                return reqs
            if tok != ",":
                raise BadRequest(f"found '{lit}', expected: ',' or 'end of string'")
            tok2, lit2 = self.peek()
            if tok2 not in ("id", "!"):
                raise BadRequest(f"found '{lit2}', expected: identifier after ','")

    def requirement(self) -> Requirement:
        negate = False
        tok, lit = self.take()
        if tok == "!":
            negate = True
            tok, lit = self.take()
        if tok != "id":
            raise BadRequest(f"found '{lit}', expected: identifier")
        key_errs = names.is_qualified_name(lit)
        if key_errs:
            raise BadRequest(str(FieldError.invalid("<nil>", lit, "; ".join(key_errs))))
        key = lit
        if negate or self.peek()[0] in ("end", ","):
            # "!key" takes no operator: whatever follows must be ',' or the end.
            return _new_requirement(key, "!" if negate else "exists", [])
        tok, lit = self.take(values=False)
        ops = {"in": "in", "notin": "notin", "=": "=", "==": "==", "!=": "!=", ">": "gt", "<": "lt"}
        if tok not in ops:
            raise BadRequest(f"found '{lit}', expected: {', '.join(_BINARY_OPS)}")
        op = ops[tok]
        vals = self.set_values() if op in ("in", "notin") else self.exact_value()
        return _new_requirement(key, op, sorted(vals))

    def set_values(self) -> set[str]:
        tok, lit = self.take()
        if tok != "(":
            raise BadRequest(f"found '{lit}' expected: '('")
        tok, lit = self.peek()
        if tok == ")":
            self.take()
            return {""}
        if tok not in ("id", ","):
            raise BadRequest(f"found '{lit}', expected: ',', ')' or identifier")
        vals = self.identifiers()
        if self.take()[0] != ")":
            raise BadRequest(f"found '{lit}', expected: ')'")
        return vals

    def identifiers(self) -> set[str]:
        vals: set[str] = set()
        while True:
            tok, lit = self.take()
            if tok == "id":
                vals.add(lit)
                tok2, lit2 = self.peek()
                if tok2 == ",":
                    continue
                if tok2 == ")":
                    return vals
                raise BadRequest(f"found '{lit2}', expected: ',' or ')'")
            if tok == ",":
                if not vals:
                    vals.add("")
                tok2, _ = self.peek()
                if tok2 in (")", ","):
                    vals.add("")
                if tok2 == ")":
                    return vals
                continue
            raise BadRequest(f"found '{lit}', expected: ',', or identifier")

    def exact_value(self) -> set[str]:
        tok, _ = self.peek()
        if tok in ("end", ","):
            return {""}
        tok, lit = self.take()
        if tok == "id":
            return {lit}
        raise BadRequest(f"found '{lit}', expected: identifier")


def parse_label_selector(text: str) -> LabelSelector:
    """Parse kubectl's ``-l`` syntax; an empty string selects everything."""
    return _sorted(_Parser(text).parse())


# --------------------------------------------------------------------------------------------
# Field selectors

# Field labels each kind's API supports (its AddFieldLabelConversionFunc); all kinds have the
# metadata ones.
_FIELD_LABELS: dict[str, frozenset[str]] = {
    "Pod": frozenset(
        {
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.podIPs",
            "status.nominatedNodeName",
        }
    ),
    "Event": frozenset(
        {
            "involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type",
        }
    ),
    "Namespace": frozenset({"status.phase"}),
    "Node": frozenset({"spec.unschedulable"}),
    "ReplicaSet": frozenset({"status.replicas"}),
    "PersistentVolumeClaim": frozenset(),
}
_META = frozenset({"metadata.name", "metadata.namespace"})


@dataclass(frozen=True)
class FieldTerm:
    field: str
    value: str
    negated: bool = False

    def __str__(self) -> str:
        return f"{self.field}{'!=' if self.negated else '='}{_escape(self.value)}"


def _escape(v: str) -> str:
    return v.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")


@dataclass(frozen=True)
class FieldSelector:
    """An AND of ``field=value`` / ``field!=value`` terms over an object's fields."""

    terms: tuple[FieldTerm, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.terms

    def matches(self, obj: Mapping[str, Any]) -> bool:
        return all((_field_value(obj, t.field) == t.value) != t.negated for t in self.terms)

    def __str__(self) -> str:
        return ",".join(str(t) for t in self.terms)


def _field_value(obj: Mapping[str, Any], path: str) -> str:
    v = get_in(obj, path.split("."))
    if path == "status.podIPs":
        ips = get_in(obj, ["status", "podIPs"]) or []
        return ",".join(str(i.get("ip", "")) for i in ips)
    if path == "source":
        v = get_in(obj, ["source", "component"]) or obj.get("reportingComponent")
    if isinstance(v, bool):
        return "true" if v else "false"
    return "" if v is None else str(v)


def _split_terms(text: str) -> list[str]:
    parts, buf, escaped = [], "", False
    for ch in text:
        if escaped:
            buf += ch
            escaped = False
        elif ch == "\\":
            buf += ch
            escaped = True
        elif ch == ",":
            parts.append(buf)
            buf = ""
        else:
            buf += ch
    parts.append(buf)
    return parts


def _split_term(term: str) -> tuple[str, str, str] | None:
    i = 0
    while i < len(term):
        if term[i] == "\\":
            i += 2
            continue
        for op in ("!=", "==", "="):
            if term.startswith(op, i):
                return term[:i], op, term[i + len(op) :]
        i += 1
    return None


def _unescape(v: str) -> str:
    out, i = [], 0
    while i < len(v):
        ch = v[i]
        if ch == "\\":
            if i + 1 >= len(v) or v[i + 1] not in "\\,=":
                raise BadRequest(f"invalid field selector: invalid escape sequence: {v[i : i + 2]}")
            out.append(v[i + 1])
            i += 2
            continue
        if ch in ",=":
            raise BadRequest(f"invalid field selector: unescaped character {ch!s}")
        out.append(ch)
        i += 1
    return "".join(out)


def parse_field_selector(text: str, kind: str = "Pod") -> FieldSelector:
    """Parse ``--field-selector`` for a kind (``Pod`` by default).

    Raises BadRequest with ``invalid selector: ...; can't understand ...`` for a term without an
    operator, and ``field label not supported: <f>`` for a field the kind cannot select on.
    """
    terms: list[FieldTerm] = []
    supported = _META | _FIELD_LABELS.get(kind, frozenset())
    for part in sorted(_split_terms(text)):
        if not part:
            continue
        split = _split_term(part)
        if split is None:
            raise BadRequest(f"invalid selector: '{text}'; can't understand '{part}'")
        lhs, op, rhs = split
        terms.append(FieldTerm(lhs, _unescape(rhs), op == "!="))
    for t in terms:
        if t.field not in supported:
            raise BadRequest(f"field label not supported: {t.field}")
    return FieldSelector(tuple(terms))
