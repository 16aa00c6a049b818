"""Manifests, read the way ``kubectl apply -f`` reads them.

:func:`load_manifests` turns the text of one file (or of stdin, ``-f -``) into objects: a stream of
YAML documents separated by ``---`` lines, or a stream of JSON objects. Empty and ``null``
documents are skipped, ``kind: List`` (and any ``*List`` with ``items``) is expanded, and every
document must name its ``apiVersion`` and ``kind``. Problems raise :class:`ManifestError` whose
text is what kubectl prints (``error: error validating "web.yaml": ...``).

:func:`load_path` is the one impure helper in this layer: it reads a file or a directory from
disk exactly as kubectl walks it, then hands each file's text to :func:`load_manifests`.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator
from typing import Any

import yaml

from simk8s.api.errors import aggregate
from simk8s.api.limits import MAX_DEPTH
from simk8s.api.yamlinput import YAMLLimitError, yaml_to_json
from simk8s.api.yamlio import normalize_numbers

__all__ = [
    "EXTENSIONS",
    "ManifestError",
    "load_manifests",
    "load_path",
    "scan_manifests",
    "scan_path",
    "split_documents",
    "yaml_error_text",
]

EXTENSIONS = (".json", ".yaml", ".yml")
_STOP_VALIDATE = "if you choose to ignore these errors, turn validation off with --validate=false"


class ManifestError(ValueError):
    """A manifest kubectl refuses before talking to the server; ``str(err)`` is kubectl's line."""


def _q(s: str) -> str:
    """Go's %q for ordinary text."""
    return json.dumps(s, ensure_ascii=False)


def split_documents(text: str) -> list[str]:
    """Split a YAML stream as kubectl's YAMLReader does: at lines starting with ``---`` followed
    only by blanks or a comment. Each chunk keeps its own line numbering for error messages."""
    docs: list[str] = []
    current: list[str] = []
    for line in text.splitlines(keepends=True):
        if line.startswith("---"):
            rest = line[3:].strip()
            if not rest or rest.startswith("#"):
                docs.append("".join(current))
                current = []
                continue
        current.append(line)
    docs.append("".join(current))
    return docs


# libyaml's wording for the problems PyYAML words differently.
_PROBLEMS = (
    ("mapping values are not allowed here", "mapping values are not allowed in this context"),
    ("that cannot start any token", "found character that cannot start any token"),
    ("expected ',' or ']'", "did not find expected ',' or ']'"),
    ("expected ',' or '}'", "did not find expected ',' or '}'"),
    ("expected '<document start>'", "did not find expected <document start>"),
    ("expected the node content", "did not find expected node content"),
    ("found a tab character that violate", "found a tab character that violates indentation"),
    ("sequence entries are not allowed here", "block sequence entries are not allowed in this context"),
    ("expected alphabetic or numeric character", "did not find expected alphabetic or numeric character"),
    ("found unknown escape character", "found unknown escape character"),
    ("expected ' ', but found", "did not find expected whitespace or line break"),
)


def yaml_error_text(err: yaml.YAMLError) -> str:
    """go-yaml v2's message for a syntax error: ``yaml: line 3: mapping values are not allowed ...``.

    Scanner errors name the 1-based line of the problem; parser errors name the 0-based one
    (go-yaml's own quirk, kept). The problem is reworded to libyaml's text where PyYAML differs.
    """
    if isinstance(err, YAMLLimitError):
        return str(err)
    if isinstance(err, yaml.reader.ReaderError):
        return "yaml: control characters are not allowed"
    problem = getattr(err, "problem", None) or "unknown problem parsing YAML content"
    context = getattr(err, "context", None) or ""
    if problem.startswith("found undefined alias"):
        name = problem.split("'")[1] if "'" in problem else ""
        return f"yaml: unknown anchor '{name}' referenced"
    if problem.startswith("expected <block end>"):
        problem = ("did not find expected '-' indicator" if "collection" in context
                   else "did not find expected key")
    for pattern, wording in _PROBLEMS:
        if pattern in problem:
            problem = wording
            break
    mark = getattr(err, "problem_mark", None)
    cmark = getattr(err, "context_mark", None)
    line = 0
    if mark is not None and mark.line != 0:
        line = mark.line + (1 if isinstance(err, yaml.scanner.ScannerError) else 0)
    elif cmark is not None and cmark.line != 0:
        line = cmark.line
    where = f"line {line}: " if line else ""
    return f"yaml: {where}{problem}"


def _go_json_error(text: str, err: json.JSONDecodeError) -> str:
    """encoding/json's syntax error for what Python's decoder tripped on, as kubectl shows it
    (``json: offset 20: invalid character '}' looking for beginning of object key string``)."""
    pos = err.pos
    if pos >= len(text) or err.msg.startswith("Unterminated string"):
        return "unexpected EOF"
    ch = text[pos]
    quoted = "'\\''" if ch == "'" else f"'{ch}'"
    context = {
        "Expecting property name enclosed in double quotes": "looking for beginning of object key string",
        "Expecting value": "looking for beginning of value",
        "Expecting ':' delimiter": "after object key",
        "Expecting ',' delimiter": "after array element" if _in_array(text, pos) else "after object key:value pair",
    }.get(err.msg, "looking for beginning of value")
    offset = len(text[:pos + 1].encode("utf-8"))
    return f"json: offset {offset}: invalid character {quoted} {context}"


def _in_array(text: str, pos: int) -> bool:
    """Whether ``pos`` sits directly inside an array (ignoring brackets within strings)."""
    stack: list[str] = []
    in_string = escaped = False
    for ch in text[:pos]:
        if in_string:
            escaped = not escaped and ch == "\\"
            if ch == '"' and not escaped:
                in_string = False
            continue
        if ch == '"':
            in_string = True
        elif ch in "[{":
            stack.append(ch)
        elif ch in "]}" and stack:
            stack.pop()
    return bool(stack) and stack[-1] == "["


def _json_depth_error(text: str) -> str | None:
    """``json: offset N: exceeded max depth`` when the JSON text nests deeper than MAX_DEPTH (a
    simulator limit; Go's decoder stops at 10,000), checked before Python's decoder recurses."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return None
    depth = 0
    in_string = escaped = False
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return f"json: offset {len(text[:i + 1].encode('utf-8'))}: exceeded max depth"
        elif ch in "]}":
            depth -= 1
    return None


class _GoJSONError(ValueError):
    """A JSON number or word Go's decoder refuses where Python's accepts it."""


def _go_float_literal(text: str) -> float:
    value = float(text)
    if math.isinf(value):   # strconv.ParseFloat's range error, as json.Unmarshal into interface{} reports it
        raise _GoJSONError(f"json: cannot unmarshal number {text} into Go value of type float64")
    return value


def _no_constant(word: str) -> Any:
    raise _GoJSONError(f"invalid character '{word[0]}' looking for beginning of value")


def _json_values(text: str, source: str) -> Iterator[Any]:
    too_deep = _json_depth_error(text)
    if too_deep:
        raise ManifestError(f"error: error parsing {source}: {too_deep}")
    decoder = json.JSONDecoder(parse_float=_go_float_literal, parse_constant=_no_constant)
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            return
        try:
            value, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as err:
            raise ManifestError(f"error: error parsing {source}: {_go_json_error(text, err)}") from None
        except _GoJSONError as err:
            raise ManifestError(f"error: error parsing {source}: {err}") from None
        yield normalize_numbers(value)


def _raw_documents(text: str, source: str) -> Iterator[Any]:
    if text.lstrip().startswith("{"):
        yield from _json_values(text, source)
        return
    for chunk in split_documents(text):
        try:
            yield yaml_to_json(chunk)
        except yaml.YAMLError as err:
            raise ManifestError(
                f"error: error parsing {source}: error converting YAML to JSON: {yaml_error_text(err)}") from None


def _check(doc: Any, source: str) -> None:
    problems: list[str] = []
    if not isinstance(doc, dict):
        problems.append("invalid object to validate")
    else:
        for field in ("apiVersion", "kind"):
            if doc.get(field) is None:
                problems.append(f"{field} not set")
            elif not isinstance(doc[field], str):
                problems.append(f"{field} isn't string type")
            elif field == "apiVersion" and doc[field].count("/") > 1:
                problems.append(f"unexpected GroupVersion string: {doc[field]}")
    if problems:
        raise ManifestError(f"error: error validating {_q(source)}: error validating data: "
                            f"{aggregate(problems)}; {_STOP_VALIDATE}")


def scan_manifests(text: str, source: str = "-") -> tuple[list[dict[str, Any]], ManifestError | None]:
    """The objects read before the first problem, and that problem (None if there was none).

    kubectl stops reading a file at its first bad document but still applies the objects read
    before it (and those of other files), then reports the error.
    """
    name = "STDIN" if source == "-" else source
    out: list[dict[str, Any]] = []
    try:
        for doc in _raw_documents(text, name):
            if doc is None:
                continue
            _check(doc, name)
            kind = doc["kind"]
            if kind.endswith("List") and isinstance(doc.get("items"), list):
                for item in doc["items"]:
                    if not isinstance(item, dict) or not item.get("kind"):
                        raise ManifestError(f"error: unable to decode {_q(name)}: Object 'Kind' is missing in "
                                            f"'{json.dumps(item, separators=(',', ':'))}'")
                    out.append(item)
            else:
                out.append(doc)
    except ManifestError as err:
        return out, err
    return out, None


def load_manifests(text: str, source: str = "-") -> list[dict[str, Any]]:
    """The objects in one file's text, in document order, with each document's key order kept.

    ``source`` names the file in error messages (``-`` is stdin, which kubectl calls ``STDIN``).
    The first problem raises :class:`ManifestError` (see :func:`scan_manifests` to keep going).
    """
    docs, err = scan_manifests(text, source)
    if err is not None:
        raise err
    return docs


def _walk(root: str, recursive: bool) -> Iterator[str]:
    """Files under ``root`` in filepath.Walk order (lexical, depth first)."""
    for entry in sorted(os.scandir(root), key=lambda e: e.name):
        path = os.path.join(root, entry.name)
        if entry.is_dir():
            if recursive:
                yield from _walk(path, recursive)
        elif entry.name.endswith(EXTENSIONS):
            yield path


def scan_path(path: str, recursive: bool = False,
              stdin: str | None = None) -> tuple[list[tuple[str, dict[str, Any]]], list[ManifestError]]:
    """``kubectl apply -f PATH [-R]`` reading everything it can: ``(source, object)`` pairs from a
    file or a directory, and the errors met (one at most per file).

    A file named explicitly is read whatever its extension; in a directory only ``.json``,
    ``.yaml`` and ``.yml`` files are read, sorted by name, descending into subdirectories only
    when ``recursive``. ``-`` reads ``stdin`` (the text given). A missing path is the error
    ``error: the path "x.yaml" does not exist``.
    """
    if path == "-":
        docs, err = scan_manifests(stdin or "", "-")
        return [("STDIN", doc) for doc in docs], [err] if err else []
    if not os.path.exists(path):
        return [], [ManifestError(f"error: the path {_q(path)} does not exist")]
    files = list(_walk(path, recursive)) if os.path.isdir(path) else [path]
    out: list[tuple[str, dict[str, Any]]] = []
    errors: list[ManifestError] = []
    for file in files:
        with open(file, encoding="utf-8") as fh:
            text = fh.read()
        docs, err = scan_manifests(text, file)
        out.extend((file, doc) for doc in docs)
        if err is not None:
            errors.append(err)
    return out, errors


def load_path(path: str, recursive: bool = False, stdin: str | None = None) -> list[tuple[str, dict[str, Any]]]:
    """Like :func:`scan_path`, raising the first error instead of returning it."""
    pairs, errors = scan_path(path, recursive, stdin)
    if errors:
        raise errors[0]
    return pairs
