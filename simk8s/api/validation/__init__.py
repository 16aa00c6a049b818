"""Validation of API objects as the API server does it, with its exact error texts.

Entry point: :func:`validate` returns the list of :class:`~simk8s.api.errors.FieldError` for an
object about to be created (``old is None``) or updated; an empty list means valid.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from simk8s.api.errors import FieldError
from simk8s.api.kinds import Kind

__all__ = ["validate"]

_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def validate(kind: Kind, obj: Mapping[str, Any], old: Mapping[str, Any] | None = None) -> list[FieldError]:
    """All field errors of ``obj`` (an update when ``old`` is given)."""
    errors: list[FieldError] = []
    name = obj.get("metadata", {}).get("name", "")
    if old is None and not name:
        errors.append(FieldError.required("metadata.name", "name or generateName is required"))
    elif old is None and (len(name) > 253 or not _DNS1123_SUBDOMAIN.match(name)):
        errors.append(FieldError.invalid(
            "metadata.name", name,
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
            "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
            "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"))
    return errors
