"""What every patch type shares: :class:`PatchError`, the API server's answers to it, and
reading a ``kubectl patch -p`` argument.

A JSON patch that does not apply is a :class:`PatchError` carrying evanphx/json-patch's text. The
API server answers it with HTTP 422, reason ``Invalid`` and message :data:`REJECTED_MESSAGE` only
(see :func:`rejected_status`); kubectl prints :data:`KUBECTL_REJECTED`.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from simk8s.api.errors import ApiError, BadRequest, InternalError, Invalid
from simk8s.api.manifest import yaml_error_text
from simk8s.api.yamlinput import yaml_to_json
from simk8s.api.yamlio import normalize_numbers

__all__ = ["KUBECTL_REJECTED", "REJECTED_MESSAGE", "PatchError", "parse_patch", "rejected_status", "server_error"]

REJECTED_MESSAGE = "the server rejected our request due to an error in our request"
KUBECTL_REJECTED = f"The request is invalid: {REJECTED_MESSAGE}"


class PatchError(ValueError):
    """A patch that cannot be applied; ``str(err)`` is the patch library's own explanation."""


class _UnknownReason(InternalError):
    """A plain Go error the API server passes through: HTTP 500 with an empty reason."""

    reason = ""


_BAD_REQUEST = frozenset({
    "invalid JSON document", "invalid patch format of primitive list", "invalid patch format of retainKeys",
    "invalid patch format of setElementOrder list", "strategic merge patch format is not supported",
})


def server_error(err: PatchError, patch_type: str) -> ApiError:
    """The API server's answer to a patch of ``patch_type`` (``json``, ``merge``, ``strategic``)
    that raised ``err``: JSON patch failures are a bare 422 (kubectl: :data:`KUBECTL_REJECTED`),
    malformed directives a 400, anything else a 500 carrying the library's text as is
    (kubectl: ``Error from server: map: ... does not contain declared merge key: name``)."""
    if patch_type == "json":
        return Invalid(REJECTED_MESSAGE)
    if str(err) in _BAD_REQUEST:
        return BadRequest(str(err))
    return _UnknownReason(str(err))


def rejected_status(err: PatchError) -> dict[str, Any]:
    """The ``Status`` the API server returns for a JSON patch that does not apply (HTTP 422).

    apiserver builds it with NewGenericServerResponse, which drops the library's explanation:
    kubectl can only print :data:`KUBECTL_REJECTED`.
    """
    return {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": REJECTED_MESSAGE, "reason": "Invalid", "details": {}, "code": 422,
    }


def parse_patch(text: str) -> Any:
    """Parse a ``kubectl patch -p`` argument: JSON, or YAML converted as sigs.k8s.io/yaml does.

    A syntax error raises :class:`PatchError` worded as kubectl's ``unable to parse "...": yaml: ...``.
    """
    try:
        return normalize_numbers(json.loads(text))
    except ValueError:
        pass
    try:
        return yaml_to_json(text)
    except yaml.YAMLError as err:
        raise PatchError(f"unable to parse {json.dumps(text, ensure_ascii=False)}: {yaml_error_text(err)}") from None
