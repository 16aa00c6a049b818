"""YAML input as kubectl reads it: :func:`yaml_to_json` is sigs.k8s.io/yaml's ``YAMLToJSON``.

One YAML document becomes the JSON-shaped value go-yaml v2 would produce (YAML 1.1 booleans such
as ``yes``/``on``/``y``, ``0x`` and leading-zero octal integers, timestamps kept as strings, merge
keys), keeping the document's key order, within go-yaml's limits (:mod:`simk8s.api.limits`):

* alias expansion may take only a ratio of the decode operations (``yaml: document contains
  excessive aliasing``), so a "billion laughs" costs a few thousand operations, not gigabytes;
* an alias inside its own anchor is refused (``yaml: anchor 'a' value contains itself``);
* nesting deeper than ``MAX_DEPTH`` is refused (``yaml: line N: exceeded max depth of 100``; a
  simulator limit, go-yaml's own is 10,000).
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from simk8s.api.limits import MAX_DEPTH, allowed_alias_ratio
from simk8s.api.yamlio import TRUE_WORDS, UNRESOLVED, go_float, go_parse_int, integral, resolve_plain

__all__ = ["YAMLLimitError", "yaml_to_json"]


class YAMLLimitError(yaml.YAMLError):
    """A document over one of go-yaml's limits; ``str()`` is go-yaml's message (``yaml: ...``)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class _Loader(yaml.SafeLoader):
    """Composes nodes only; every plain scalar keeps the ``str`` tag and is resolved by us."""


_Loader.yaml_implicit_resolvers = {}

if getattr(yaml, "__with_libyaml__", False):
    class _FastLoader(yaml.CSafeLoader):  # type: ignore[name-defined,misc,unused-ignore]
        """The same composition on libyaml's parser (the nodes are identical, only faster)."""

    _FastLoader.yaml_implicit_resolvers = {}
else:  # pragma: no cover - PyYAML built without libyaml
    _FastLoader = _Loader  # type: ignore[assignment,misc,unused-ignore]


def _key(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return go_float(value)
    return str(value)


def _scalar(node: ScalarNode) -> Any:
    tag = node.tag
    if not node.style and tag == "tag:yaml.org,2002:str":
        v = resolve_plain(node.value)
        return node.value if v is UNRESOLVED else integral(v)
    if tag.endswith(":int"):
        return go_parse_int(node.value.replace("_", ""))
    if tag.endswith(":float"):
        return integral(float(node.value))
    if tag.endswith(":bool"):
        return node.value in TRUE_WORDS
    if tag.endswith(":null"):
        return None
    return node.value


class _Decoder:
    """go-yaml's decoder over PyYAML's node graph. An alias is a second visit of a node object
    (PyYAML hands aliases out as the anchored node itself); document order is go-yaml's order,
    so the first visit is the anchor's definition."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.decode_count = 0
        self.alias_count = 0
        self.alias_depth = 0
        self.seen: set[int] = set()
        self.active: set[int] = set()

    def convert(self, node: Node, depth: int) -> Any:
        self.decode_count += 1
        if self.alias_depth:
            self.alias_count += 1
        if (self.alias_count > 100 and self.decode_count > 1000
                and self.alias_count / self.decode_count > allowed_alias_ratio(self.decode_count)):
            raise YAMLLimitError("yaml: document contains excessive aliasing")
        if depth > MAX_DEPTH:
            raise YAMLLimitError(f"yaml: line {node.start_mark.line + 1}: exceeded max depth of {MAX_DEPTH}")
        if isinstance(node, ScalarNode):
            return _scalar(node)
        ident = id(node)
        if ident in self.active:
            raise YAMLLimitError(f"yaml: anchor '{_self_alias(self.text)}' value contains itself")
        alias = ident in self.seen
        self.seen.add(ident)
        self.active.add(ident)
        self.alias_depth += alias
        try:
            return self._collection(node, depth)
        finally:
            self.alias_depth -= alias
            self.active.discard(ident)

    def _collection(self, node: Node, depth: int) -> Any:
        if isinstance(node, SequenceNode):
            return [self.convert(n, depth + 1) for n in node.value]
        if not isinstance(node, MappingNode):
            return None
        out: dict[str, Any] = {}
        merges: list[dict[str, Any]] = []
        for k, v in node.value:
            if isinstance(k, ScalarNode) and k.value == "<<" and not k.style:
                merged = self.convert(v, depth + 1)
                merges.extend(merged if isinstance(merged, list) else [merged])
                continue
            out[_key(self.convert(k, depth + 1))] = self.convert(v, depth + 1)
        for m in merges:
            if isinstance(m, dict):
                for k2, v2 in m.items():
                    out.setdefault(k2, v2)
        return out


def _self_alias(text: str) -> str:
    """The anchor an alias inside its own collection names (read again from the events)."""
    open_anchors: list[str | None] = []
    for ev in yaml.parse(text, Loader=_FastLoader):
        if isinstance(ev, yaml.CollectionStartEvent):
            open_anchors.append(ev.anchor)
        elif isinstance(ev, yaml.CollectionEndEvent):
            open_anchors.pop()
        elif isinstance(ev, yaml.AliasEvent) and ev.anchor in open_anchors:
            return str(ev.anchor)
    return ""


def _compose(text: str) -> Node | None:
    try:
        return yaml.compose(text, Loader=_FastLoader)
    except yaml.YAMLError as err:
        problem = str(getattr(err, "problem", "") or "")
        mark = getattr(err, "problem_mark", None)
        if "nesting depth" in problem:
            line = mark.line + 1 if mark is not None else 0
            raise YAMLLimitError(f"yaml: line {line}: exceeded max depth of {MAX_DEPTH}") from None
    # The pure-Python parser words (and places) its errors the way users see them.
    try:
        return yaml.compose(text, Loader=_Loader)
    except RecursionError:
        raise YAMLLimitError(f"yaml: exceeded max depth of {MAX_DEPTH}") from None


def yaml_to_json(text: str) -> Any:
    """One YAML document as the JSON-shaped value sigs.k8s.io/yaml would produce (None if empty).

    Raises :class:`yaml.YAMLError` for syntax errors (see ``manifest.yaml_error_text``) and
    :class:`YAMLLimitError` past go-yaml's limits.
    """
    node = _compose(text)
    return None if node is None else _Decoder(text).convert(node, 0)
