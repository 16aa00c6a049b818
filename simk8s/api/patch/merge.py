"""JSON merge patch (RFC 7386, ``kubectl patch --type=merge``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simk8s.api.frozen import thaw

__all__ = ["merge_patch"]


def merge_patch(obj: Any, patch: Any) -> Any:
    """Apply an RFC 7386 merge patch: maps merge recursively, ``null`` deletes, all else replaces."""
    return _merge_json(thaw(obj), patch)


def _merge_json(target: Any, patch: Any) -> Any:
    if not isinstance(patch, Mapping):
        return thaw(patch)
    out: dict[str, Any] = target if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = _merge_json(out.get(key), value)
    return out
