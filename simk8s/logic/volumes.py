"""PersistentVolume matching and provisioning, as the PV controller and local-path provisioner decide.

``find_matching_volume`` follows util.FindMatchingVolume: a volume pre-bound to the claim wins;
otherwise the smallest Available volume of the claim's class whose access modes, volume mode,
labels (claim selector) and node affinity fit. ``provision_volume`` builds the PV the local-path
provisioner creates for a claim on its selected node.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from functools import lru_cache
from typing import Any

from simk8s.api.quantity import parse_quantity
from simk8s.api.selectors import from_api

__all__ = ["find_matching_volume", "node_affinity_matches", "provision_volume", "pv_matches_node", "storage"]

Obj = Mapping[str, Any]


@lru_cache(maxsize=4096)
def _quantity(q: str) -> Fraction:
    try:
        return parse_quantity(q)
    except ValueError:
        return Fraction(0)


def storage(q: Any) -> Fraction:
    """A resource quantity as a number (0 when absent or malformed)."""
    if q is None:
        return Fraction(0)
    return _quantity(q if isinstance(q, str) else str(q))


def _match_expr(expr: Obj, labels: Mapping[str, str]) -> bool:
    key, op, values = expr.get("key", ""), expr.get("operator", ""), list(expr.get("values") or ())
    if op == "In":
        return labels.get(key) in values
    if op == "NotIn":
        return labels.get(key) not in values
    if op == "Exists":
        return key in labels
    if op == "DoesNotExist":
        return key not in labels
    if op in ("Gt", "Lt") and key in labels and values:
        try:
            a, b = int(labels[key]), int(values[0])
        except ValueError:
            return False
        return a > b if op == "Gt" else a < b
    return False


def node_affinity_matches(terms: Sequence[Obj], node: Obj) -> bool:
    """nodeSelectorTerms: ORed terms of ANDed expressions over the node's labels (and metadata.name)."""
    labels = node["metadata"].get("labels") or {}
    for term in terms:
        exprs = term.get("matchExpressions") or ()
        fields = term.get("matchFields") or ()
        if not exprs and not fields:
            continue
        if all(_match_expr(e, labels) for e in exprs) and all(
                _match_expr(f, {"metadata.name": node["metadata"]["name"]}) for f in fields):
            return True
    return False


def pv_matches_node(pv: Obj, node: Obj | None) -> bool:
    terms = (((pv.get("spec") or {}).get("nodeAffinity") or {}).get("required") or {}).get("nodeSelectorTerms")
    if not terms or node is None:
        return True
    return node_affinity_matches(terms, node)


def _capacity(pv: Obj) -> Fraction:
    return storage(((pv.get("spec") or {}).get("capacity") or {}).get("storage"))


def find_matching_volume(claim: Obj, volumes: Sequence[Obj], node: Obj | None = None,
                         delay_binding: bool = False) -> Obj | None:
    """The volume ``claim`` should bind to, or None."""
    spec = claim.get("spec") or {}
    uid = claim["metadata"].get("uid")
    want = storage(((spec.get("resources") or {}).get("requests") or {}).get("storage"))
    cls = spec.get("storageClassName") or ""
    modes = set(spec.get("accessModes") or ())
    mode = spec.get("volumeMode", "Filesystem")
    selector = from_api(spec["selector"]) if spec.get("selector") else None
    best: Obj | None = None
    best_size: Fraction | None = None
    for pv in sorted(volumes, key=lambda v: v["metadata"]["name"]):
        pspec = pv.get("spec") or {}
        if pv["metadata"].get("deletionTimestamp"):
            continue
        if pspec.get("volumeMode", "Filesystem") != mode:
            continue
        ref = pspec.get("claimRef")
        # Pre-bound by an admin: a claimRef naming this claim, with no uid yet or this claim's uid.
        if ref and ref.get("name") == claim["metadata"]["name"] \
                and ref.get("namespace", "default") == claim["metadata"].get("namespace", "default") \
                and (not ref.get("uid") or ref.get("uid") == uid):
            return pv if _capacity(pv) >= want else None
        if spec.get("volumeName") == pv["metadata"]["name"] and (not ref or ref.get("name") == claim["metadata"]["name"]):
            return pv if _capacity(pv) >= want else None
        if ref or (pv.get("status") or {}).get("phase") not in (None, "Available"):
            continue
        size = _capacity(pv)
        if (pspec.get("storageClassName") or "") != cls:
            continue
        if not modes <= set(pspec.get("accessModes") or ()):
            continue
        if selector is not None and not selector.matches(pv["metadata"].get("labels") or {}):
            continue
        if node is not None and not pv_matches_node(pv, node):
            continue
        if size < want:
            continue
        if best_size is None or size < best_size:
            best, best_size = pv, size
    return best


def provision_volume(claim: Obj, storage_class: Obj, selected_node: str, now_iso: str) -> dict[str, Any]:
    """The PV rancher.io/local-path creates for ``claim`` on ``selected_node``."""
    meta, spec = claim["metadata"], claim.get("spec") or {}
    name = f"pvc-{meta['uid']}"
    ns = meta["namespace"]
    request = ((spec.get("resources") or {}).get("requests") or {}).get("storage", "0")
    return {
        "apiVersion": "v1", "kind": "PersistentVolume",
        "metadata": {"name": name, "annotations": {"local.path.provisioner/selected-node": selected_node,
                                                   "pv.kubernetes.io/provisioned-by": storage_class.get(
                                                       "provisioner", "rancher.io/local-path")}},
        "spec": {
            "accessModes": list(spec.get("accessModes") or ["ReadWriteOnce"]),
            "capacity": {"storage": request},
            "claimRef": {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "name": meta["name"], "namespace": ns,
                         "resourceVersion": meta.get("resourceVersion", ""), "uid": meta["uid"]},
            "hostPath": {"path": f"/opt/local-path-provisioner/{name}_{ns}_{meta['name']}",
                         "type": "DirectoryOrCreate"},
            "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                {"key": "kubernetes.io/hostname", "operator": "In", "values": [selected_node]}]}]}},
            "persistentVolumeReclaimPolicy": storage_class.get("reclaimPolicy", "Delete"),
            "storageClassName": storage_class["metadata"]["name"],
            "volumeMode": spec.get("volumeMode", "Filesystem"),
        },
    }
