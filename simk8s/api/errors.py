"""API errors: the small tree every refusal belongs to, each carrying a Kubernetes ``Status``.

``str(err)`` is the API server's message (``statefulsets.apps "web" not found``);
:func:`kubectl_message` is what kubectl prints for it (``Error from server (NotFound): ...``,
``The StatefulSet "web" is invalid: ...``). Field-level problems are :class:`FieldError` values,
worded as apimachinery's ``field.Error`` words them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from simk8s.api.kinds import Kind

__all__ = [
    "AlreadyExists",
    "ApiError",
    "BadRequest",
    "Conflict",
    "Expired",
    "FieldError",
    "Forbidden",
    "GoValue",
    "InternalError",
    "Invalid",
    "MethodNotAllowed",
    "NotAcceptable",
    "NotFound",
    "RequestEntityTooLarge",
    "ServiceUnavailable",
    "Timeout",
    "TooManyRequests",
    "UnsupportedMediaType",
    "go_repr",
    "go_scalar_type",
    "go_string_slice",
    "kubectl_message",
    "strconv_syntax",
]


# --------------------------------------------------------------------------------------------
# Field errors


@dataclass(frozen=True)
class GoValue:
    """A bad value already rendered as Go would print it (used for structs and typed maps)."""

    text: str

    def __str__(self) -> str:
        return self.text


_OMIT = GoValue("")


def _go_quote(s: str) -> str:
    """Go's ``%q``: double-quoted with backslash escapes; printable Unicode kept as is."""
    out = ['"']
    for ch in s:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ch.isprintable():
            out.append(ch)
        elif ord(ch) < 0x80:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)


def go_scalar_type(value: Any) -> str | None:
    """The Go type of a JSON scalar in unstructured data (``bool``, ``int64``, ``float64``,
    ``string``); None for anything else."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int64"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    return None


def _go_type(value: Any) -> str:
    scalar = go_scalar_type(value)
    if scalar is not None:
        return scalar
    if isinstance(value, Mapping):
        vt = {_go_type(v) for v in value.values()}
        return f"map[string]{vt.pop() if len(vt) == 1 else 'interface {}'}"
    if isinstance(value, list | tuple):
        et = {_go_type(v) for v in value}
        return f"[]{et.pop() if len(et) == 1 else 'interface {}'}"
    return "interface {}"


def strconv_syntax(func: str, text: str) -> str:
    """Go's strconv error for text that is not a number (``strconv.ParseInt: parsing "x": invalid syntax``)."""
    return f'strconv.{func}: parsing "{text}": invalid syntax'


def go_repr(value: Any) -> str:
    """Go's ``%#v`` for JSON-shaped values (maps printed with sorted keys, as fmt does)."""
    if isinstance(value, GoValue):
        return value.text
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return _go_quote(value)
    if isinstance(value, Mapping):
        inner = ", ".join(f"{_go_quote(str(k))}:{go_repr(value[k])}" for k in sorted(value))
        return f"{_go_type(value)}{{{inner}}}"
    if isinstance(value, list | tuple):
        return f"{_go_type(value)}{{{', '.join(go_repr(v) for v in value)}}}"
    return str(value)


def go_string_slice(items: Sequence[Any] | None, type_name: str = "[]string") -> GoValue:
    """A string slice as Go's %#v prints it: ``[]string{"a", "b"}``, or ``[]string(nil)``."""
    if items is None:
        return GoValue(f"{type_name}(nil)")
    return GoValue(f"{type_name}{{{', '.join(go_repr(str(i)) for i in items)}}}")


def _simple(value: Any) -> str:
    """How ``field.Error`` prints a bad value: %v for numbers and bools, %q for strings, else %#v."""
    if isinstance(value, GoValue):
        return value.text
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:g}" if value != int(value) or abs(value) >= 1e21 else str(int(value))
    if isinstance(value, str):
        return _go_quote(value)
    return go_repr(value)


@dataclass(frozen=True)
class FieldError:
    """One field-level validation problem (apimachinery ``field.Error``)."""

    TYPES: ClassVar[dict[str, str]] = {
        "FieldValueNotFound": "Not found",
        "FieldValueRequired": "Required value",
        "FieldValueDuplicate": "Duplicate value",
        "FieldValueInvalid": "Invalid value",
        "FieldValueNotSupported": "Unsupported value",
        "FieldValueForbidden": "Forbidden",
        "FieldValueTooLong": "Too long",
        "FieldValueTooMany": "Too many",
        "InternalError": "Internal error",
        "FieldValueTypeInvalid": "Invalid value",
    }
    _VALUELESS: ClassVar[frozenset[str]] = frozenset(
        {"FieldValueRequired", "FieldValueForbidden", "FieldValueTooLong", "InternalError"})

    type: str
    field: str
    bad_value: Any = None
    detail: str = ""

    def body(self) -> str:
        """The message without the field path: ``Invalid value: -1: must be ...``."""
        label = self.TYPES[self.type]
        if self.type in self._VALUELESS or self.bad_value is _OMIT:
            s = label
        else:
            s = f"{label}: {_simple(self.bad_value)}"
        if self.detail:
            s += f": {self.detail}"
        return s

    def __str__(self) -> str:
        return f"{self.field}: {self.body()}"

    def cause(self) -> dict[str, str]:
        """The ``StatusCause`` the API server reports for this error."""
        return {"reason": self.type, "message": self.body(), "field": self.field}

    # Constructors, named as in apimachinery.
    @classmethod
    def required(cls, path: str, detail: str = "") -> FieldError:
        return cls("FieldValueRequired", path, "", detail)

    @classmethod
    def invalid(cls, path: str, value: Any, detail: str) -> FieldError:
        return cls("FieldValueInvalid", path, value, detail)

    @classmethod
    def not_supported(cls, path: str, value: Any, valid: Iterable[str]) -> FieldError:
        values = [_go_quote(v) for v in valid]
        return cls("FieldValueNotSupported", path, value, f"supported values: {', '.join(values)}" if values else "")

    @classmethod
    def forbidden(cls, path: str, detail: str) -> FieldError:
        return cls("FieldValueForbidden", path, "", detail)

    @classmethod
    def duplicate(cls, path: str, value: Any) -> FieldError:
        return cls("FieldValueDuplicate", path, value, "")

    @classmethod
    def not_found(cls, path: str, value: Any) -> FieldError:
        return cls("FieldValueNotFound", path, value, "")

    @classmethod
    def too_long(cls, path: str, value: Any, max_length: int) -> FieldError:
        return cls("FieldValueTooLong", path, value, f"may not be longer than {max_length}" if max_length >= 0
                   else "value is too long")

    @classmethod
    def too_many(cls, path: str, actual: int, max_quantity: int) -> FieldError:
        detail = f"must have at most {max_quantity} items" if max_quantity >= 0 else "has too many items"
        return cls("FieldValueTooMany", path, actual if actual >= 0 else _OMIT, detail)

    @classmethod
    def type_invalid(cls, path: str, value: Any, detail: str) -> FieldError:
        return cls("FieldValueTypeInvalid", path, value, detail)

    @classmethod
    def internal(cls, path: str, message: str) -> FieldError:
        return cls("InternalError", path, None, message)


def aggregate(errors: Sequence[Any]) -> str:
    """apimachinery's aggregate error text: one message alone, several as ``[a, b]`` (deduplicated)."""
    seen: list[str] = []
    for e in errors:
        msg = str(e)
        if msg not in seen:
            seen.append(msg)
    if len(seen) == 1:
        return seen[0]
    return "[" + ", ".join(seen) + "]"


# --------------------------------------------------------------------------------------------
# API errors


class ApiError(Exception):
    """A request the API server refused. ``status`` is the ``Status`` object it would return."""

    code: ClassVar[int] = 500
    reason: ClassVar[str] = "InternalError"

    def __init__(self, message: str, *, details: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = dict(details) if details else {}

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"

    @property
    def status(self) -> dict[str, Any]:
        status: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details:
            status["details"] = json.loads(json.dumps(self.details))
        return status

    def with_message(self, message: str) -> ApiError:
        """The same error with another message (kubectl's ``error when creating "f.yaml": ...``)."""
        clone = type(self).__new__(type(self))
        ApiError.__init__(clone, message, details=self.details)
        clone.__dict__.update({k: v for k, v in self.__dict__.items() if k not in ("message", "details")})
        clone.message = message
        clone.args = (message,)
        return clone


def _object_details(kind: Kind, name: str) -> dict[str, Any]:
    details: dict[str, Any] = {"name": name, "kind": kind.plural}
    if kind.group:
        details["group"] = kind.group
    return details


class BadRequest(ApiError):
    code = 400
    reason = "BadRequest"


class Forbidden(ApiError):
    code = 403
    reason = "Forbidden"

    @classmethod
    def for_object(cls, kind: Kind, name: str, why: str) -> Forbidden:
        return cls(f'{kind.qualified_resource} "{name}" is forbidden: {why}', details=_object_details(kind, name))


class NotFound(ApiError):
    code = 404
    reason = "NotFound"

    @classmethod
    def for_object(cls, kind: Kind, name: str) -> NotFound:
        return cls(f'{kind.qualified_resource} "{name}" not found', details=_object_details(kind, name))


class MethodNotAllowed(ApiError):
    code = 405
    reason = "MethodNotAllowed"


class AlreadyExists(ApiError):
    code = 409
    reason = "AlreadyExists"

    @classmethod
    def for_object(cls, kind: Kind, name: str) -> AlreadyExists:
        return cls(f'{kind.qualified_resource} "{name}" already exists', details=_object_details(kind, name))


class Conflict(ApiError):
    code = 409
    reason = "Conflict"

    @classmethod
    def for_object(cls, kind: Kind, name: str, why: str | None = None) -> Conflict:
        why = why or "the object has been modified; please apply your changes to the latest version and try again"
        return cls(f'Operation cannot be fulfilled on {kind.qualified_resource} "{name}": {why}',
                   details=_object_details(kind, name))


class Expired(ApiError):
    """410 Gone: a watch asked for history that has been compacted away."""

    code = 410
    reason = "Expired"


class Invalid(ApiError):
    code = 422
    reason = "Invalid"

    def __init__(self, message: str, *, details: Mapping[str, Any] | None = None,
                 errors: Sequence[FieldError] = ()) -> None:
        super().__init__(message, details=details)
        self.errors: tuple[FieldError, ...] = tuple(errors)

    @classmethod
    def for_object(cls, kind: Kind, name: str, errors: Sequence[FieldError]) -> Invalid:
        details: dict[str, Any] = {"name": name, "kind": kind.kind}
        if kind.group:
            details["group"] = kind.group
        details["causes"] = [e.cause() for e in errors]
        return cls(f'{kind.qualified_kind} "{name}" is invalid: {aggregate(errors)}', details=details,
                   errors=errors)

    @classmethod
    def for_patch(cls, errors: Sequence[FieldError]) -> Invalid:
        """``NewInvalid(schema.GroupKind{}, "", errs)``: a patch whose result does not decode."""
        return cls(f' "" is invalid: {aggregate(errors)}', details={"causes": [e.cause() for e in errors]},
                   errors=errors)


class RequestEntityTooLarge(ApiError):
    code = 413
    reason = "RequestEntityTooLarge"


class NotAcceptable(ApiError):
    code = 406
    reason = "NotAcceptable"


class UnsupportedMediaType(ApiError):
    code = 415
    reason = "UnsupportedMediaType"


class TooManyRequests(ApiError):
    code = 429
    reason = "TooManyRequests"


class InternalError(ApiError):
    code = 500
    reason = "InternalError"


class ServiceUnavailable(ApiError):
    code = 503
    reason = "ServiceUnavailable"


class Timeout(ApiError):
    code = 504
    reason = "Timeout"


def kubectl_message(err: ApiError) -> str:
    """What kubectl prints on stderr for ``err`` (without the final newline).

    Invalid errors print ``The <Kind> "<name>" is invalid: <cause>``, or the prefix on its own
    line and one ``* <cause>`` line per distinct cause; everything else prints
    ``Error from server (<Reason>): <message>``.
    """
    if isinstance(err, Invalid):
        kind = err.details.get("kind", "")
        name = err.details.get("name", "")
        if not kind and not name and not err.details.get("causes"):
            # A bare 422 (a JSON patch the server could not apply): kubectl adds the message.
            return f"The request is invalid: {err.message}" if err.message else "The request is invalid"
        prefix = f'The {kind} "{name}" is invalid' if kind or name else "The request is invalid"
        causes: list[str] = []
        for c in err.details.get("causes", []):
            msg = f"{c.get('field', '')}: {c.get('message', '')}"
            if msg not in causes:
                causes.append(msg)
        if not causes:
            return prefix
        if len(causes) == 1:
            return f"{prefix}: {causes[0]}"
        return f"{prefix}: \n" + "\n".join(f"* {c}" for c in causes)
    if err.reason:
        return f"Error from server ({err.reason}): {err.message}"
    return f"Error from server: {err.message}"
