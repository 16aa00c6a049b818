"""The input limits, in one place: how deep, how big and how aliased a document may be.

``MAX_DEPTH`` and the size limit bound what a request may carry (the API server's decoder allows
10,000 levels; Python's recursion does not, so simk8s refuses past 100, a documented simulator
limit). The alias limits are go-yaml v2's (sigs.k8s.io/yaml, what kubectl reads manifests with):
a document may take at most a ratio of its decode operations from alias expansion, 99 % for small
documents down to 10 % for big ones, so a YAML "billion laughs" is refused after a few thousand
operations instead of expanding.
"""

from __future__ import annotations

__all__ = ["ALIAS_RATIO_HIGH", "ALIAS_RATIO_LOW", "MAX_BYTES", "MAX_DEPTH", "allowed_alias_ratio"]

MAX_DEPTH = 100
MAX_BYTES = 3 * 1024 * 1024       # the API server's request body limit
ALIAS_RATIO_LOW = 400_000
ALIAS_RATIO_HIGH = 4_000_000


def allowed_alias_ratio(decode_count: int) -> float:
    """go-yaml's allowedAliasRatio: the share of decode operations alias expansion may take."""
    if decode_count <= ALIAS_RATIO_LOW:
        return 0.99
    if decode_count >= ALIAS_RATIO_HIGH:
        return 0.10
    return 0.99 - 0.89 * (decode_count - ALIAS_RATIO_LOW) / (ALIAS_RATIO_HIGH - ALIAS_RATIO_LOW)
