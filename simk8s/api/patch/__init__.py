"""Patches, as the API server applies them and as ``kubectl apply`` computes them.

* :func:`merge_patch` — JSON merge patch (RFC 7386, ``kubectl patch --type=merge``): :mod:`.merge`.
* :func:`json_patch` — JSON patch (RFC 6902, ``kubectl patch --type=json``): :mod:`.jsonpatch`.
* :func:`strategic_merge_patch` — Kubernetes strategic merge patch (``kubectl patch``'s default),
  driven by the ``patchStrategy``/``patchMergeKey`` tags of the built-in types (:mod:`.patchmeta`):
  :mod:`.strategic`.
* :func:`create_three_way_merge_patch` / :func:`apply_patch` — what client-side ``kubectl apply``
  sends: :mod:`.apply`.
* :class:`PatchError`, the API server's answers to it, ``kubectl patch -p`` parsing: :mod:`.common`.

Every function is pure: inputs (possibly frozen) are never mutated, results are new plain values.
"""

from simk8s.api.patch.apply import (
    LAST_APPLIED,
    annotate_last_applied,
    apply_patch,
    create_three_way_merge_patch,
    last_applied_configuration,
    missing_annotation_warning,
)
from simk8s.api.patch.common import (
    KUBECTL_REJECTED,
    REJECTED_MESSAGE,
    PatchError,
    parse_patch,
    rejected_status,
    server_error,
)
from simk8s.api.patch.jsonpatch import json_patch
from simk8s.api.patch.merge import merge_patch
from simk8s.api.patch.strategic import strategic_merge_patch

__all__ = [
    "KUBECTL_REJECTED",
    "LAST_APPLIED",
    "REJECTED_MESSAGE",
    "PatchError",
    "annotate_last_applied",
    "apply_patch",
    "create_three_way_merge_patch",
    "json_patch",
    "last_applied_configuration",
    "merge_patch",
    "missing_annotation_warning",
    "parse_patch",
    "rejected_status",
    "server_error",
    "strategic_merge_patch",
]
