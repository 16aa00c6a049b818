"""Names derived from hashes: ControllerRevision names, pod-template-hash, generated-name suffixes.

Upstream facts carried over:

- ``rand.SafeEncodeString`` maps every byte of a string to ``ALPHANUMS[byte % 27]`` (an alphabet with
  no vowels and no 0/1/3, so no words can be spelled).
- ControllerRevision names (``pkg/controller/history``): ``fnv.New32()`` (FNV-1, *not* FNV-1a) over the
  revision's raw JSON data, then the decimal collision count as text; the uint32 sum printed in
  decimal and safe-encoded.
- pod-template-hash (``controller.ComputeHash``): ``fnv.New32a()`` over the template, then the collision
  count as 4 little-endian bytes when the Deployment has one.

Approximation (documented because names are user-visible): Go hashes the *Go struct*, i.e. JSON of the
typed object including fields the Go types always emit. :func:`go_json` serialises plain dicts the way
``json.Marshal`` serialises a ``map[string]interface{}`` (sorted keys, compact, ``<>&`` escaped), which is
exactly what the StatefulSet revision patch goes through. :func:`revision_template` adds the two
always-present fields Go would add to a pod template (``metadata.creationTimestamp: null`` and
``resources: {}`` per container); other struct-emitted defaults come from the API defaulting layer.
For pod-template-hash upstream uses ``DeepHashObject`` (a spew dump, not JSON): we hash :func:`go_json`
instead, so Deployment hashes have the right shape and stability but not the real values.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping
from typing import Any

__all__ = [
    "ALPHANUMS",
    "controller_revision_hash",
    "fnv32",
    "fnv32a",
    "go_json",
    "pod_template_hash",
    "random_suffix",
    "safe_encode_string",
]

ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"

_FNV32_OFFSET = 0x811C9DC5
_FNV32_PRIME = 0x01000193
_MASK32 = 0xFFFFFFFF


def fnv32(data: bytes, h: int = _FNV32_OFFSET) -> int:
    """FNV-1 32-bit (Go ``hash/fnv.New32``): multiply, then xor. ``h`` continues a running hash."""
    for b in data:
        h = ((h * _FNV32_PRIME) & _MASK32) ^ b
    return h


def fnv32a(data: bytes, h: int = _FNV32_OFFSET) -> int:
    """FNV-1a 32-bit (Go ``hash/fnv.New32a``): xor, then multiply. ``h`` continues a running hash."""
    for b in data:
        h = ((h ^ b) * _FNV32_PRIME) & _MASK32
    return h


def safe_encode_string(s: str) -> str:
    """apimachinery ``rand.SafeEncodeString``: each byte of ``s`` mapped into :data:`ALPHANUMS`."""
    return "".join(ALPHANUMS[b % len(ALPHANUMS)] for b in s.encode())


def go_json(value: Any) -> bytes:
    """``json.Marshal`` of a decoded JSON value: sorted keys, no spaces, HTML-safe escapes, UTF-8."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    # <, > and & only ever occur inside strings in JSON text, so a plain replace is exact.
    text = (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
    return text.encode()


def controller_revision_hash(data: bytes | Mapping[str, Any], collision_count: int | None) -> str:
    """The hash part of a ControllerRevision name (and its ``controller.kubernetes.io/hash`` label).

    ``data`` is the revision's raw JSON bytes or the decoded data (serialised with :func:`go_json`).
    StatefulSets always pass a collision count (``0`` when the status has none).
    """
    raw = data if isinstance(data, bytes) else go_json(data)
    h = fnv32(raw)
    if collision_count is not None:
        h = fnv32(str(collision_count).encode(), h)
    return safe_encode_string(str(h))


def pod_template_hash(template: Mapping[str, Any], collision_count: int | None) -> str:
    """The ``pod-template-hash`` label of a Deployment's ReplicaSet (approximation: see module doc)."""
    h = fnv32a(go_json(template))
    if collision_count is not None:
        h = fnv32a((collision_count & _MASK32).to_bytes(4, "little"), h)
    return safe_encode_string(str(h))


def random_suffix(rng: random.Random, n: int = 5) -> str:
    """``rand.String(n)``: ``n`` characters drawn from :data:`ALPHANUMS` (generateName suffixes)."""
    return "".join(rng.choice(ALPHANUMS) for _ in range(n))
