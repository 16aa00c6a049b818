"""StatefulSet pod identity and storage, as upstream ``stateful_set_utils.go`` builds and checks them.

A pod of set ``web`` at ordinal ``n`` is named ``web-n`` (its hostname too), carries the pod-name and
pod-index labels, and mounts one claim ``<template>-web-n`` per volumeClaimTemplate. Builders:
:func:`new_pod` (newStatefulSetPod + revision label), :func:`versioned_pod`, :func:`desired_claims`
(getPersistentVolumeClaims); checks: :func:`identity_matches`, :func:`storage_matches`. Deviation: Go
builds claim volumes from a map (random order); we keep the volumeClaimTemplates order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import simk8s.api.meta as meta
from simk8s.api.frozen import thaw
from simk8s.logic import podutil as pu
from simk8s.logic.revisions import REVISION_LABEL, apply_revision, set_owner_ref

__all__ = [
    "POD_INDEX_LABEL",
    "POD_NAME_LABEL",
    "REVISION_LABEL",
    "claim_name",
    "claim_names_of",
    "desired_claims",
    "identity_matches",
    "in_range",
    "new_pod",
    "pod_ordinal",
    "pod_revision",
    "replica_count",
    "spec_of",
    "start_ordinal",
    "storage_matches",
    "template_name",
    "update_identity",
    "update_storage",
    "uses_current_revision",
    "versioned_pod",
]

POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"

Obj = Mapping[str, Any]


def spec_of(sts: Obj) -> Obj:
    return sts.get("spec") or {}


def start_ordinal(sts: Obj) -> int:
    ordinals = spec_of(sts).get("ordinals")
    return int(ordinals.get("start") or 0) if ordinals is not None else 0


def replica_count(sts: Obj) -> int:
    return int(spec_of(sts)["replicas"])


def in_range(sts: Obj, ordinal: int) -> bool:
    return start_ordinal(sts) <= ordinal <= start_ordinal(sts) + replica_count(sts) - 1


def pod_ordinal(pod: Obj) -> int:
    return pu.get_parent_and_ordinal(meta.name(pod))[1]


def pod_revision(pod: Obj) -> str:
    return str(meta.labels(pod).get(REVISION_LABEL, ""))


def claim_name(template: str, set_name: str, ordinal: int) -> str:
    return f"{template}-{set_name}-{ordinal}"


def desired_claims(sts: Obj, ordinal: int) -> list[dict[str, Any]]:
    """getPersistentVolumeClaims: template copies named per ordinal, labels merged with matchLabels."""
    match = dict((spec_of(sts).get("selector") or {}).get("matchLabels") or {})
    out = []
    for tmpl in spec_of(sts).get("volumeClaimTemplates") or ():
        claim = thaw(tmpl)
        claim.pop("status", None)
        md = claim.setdefault("metadata", {})
        md["name"] = claim_name(md.get("name", ""), meta.name(sts), ordinal)
        md["namespace"] = meta.namespace(sts, "default")
        md["labels"] = {**md["labels"], **match} if md.get("labels") is not None else dict(match)
        out.append({"apiVersion": "v1", "kind": "PersistentVolumeClaim", **claim})
    return out


def template_name(tmpl: Obj) -> str:
    """A claim template's name ("" when it has none: upstream does not validate the templates)."""
    return meta.name(tmpl)


def claim_names_of(sts: Obj, ordinal: int) -> list[str]:
    """The names of :func:`desired_claims` without building the claims."""
    set_name = meta.name(sts)
    return [claim_name(template_name(t), set_name, ordinal) for t in spec_of(sts).get("volumeClaimTemplates") or ()]


def update_storage(sts: Obj, pod: Obj) -> dict[str, Any]:
    """The pod with one PVC volume per claim template (same-named template volumes replaced)."""
    out: dict[str, Any] = thaw(pod)
    ordinal = pod_ordinal(pod)
    templates = [template_name(t) for t in spec_of(sts).get("volumeClaimTemplates") or ()]
    spec = out.setdefault("spec", {})
    volumes = [{"name": t, "persistentVolumeClaim": {"claimName": claim_name(t, meta.name(sts), ordinal)}}
               for t in templates]
    volumes += [v for v in spec.get("volumes") or () if v.get("name") not in templates]
    if volumes:
        spec["volumes"] = volumes
    return out


def update_identity(sts: Obj, pod: Obj) -> dict[str, Any]:
    """updateIdentity: name, namespace, pod-name and pod-index labels (hostname is immutable)."""
    out: dict[str, Any] = thaw(pod)
    ordinal = pod_ordinal(pod)
    md = out.setdefault("metadata", {})
    md["name"] = f"{meta.name(sts)}-{ordinal}"
    md["namespace"] = meta.namespace(sts, "default")
    labels = md.setdefault("labels", {})
    labels[POD_NAME_LABEL] = md["name"]
    labels[POD_INDEX_LABEL] = str(ordinal)
    return out


def identity_matches(sts: Obj, pod: Obj) -> bool:
    """Name ``<set>-<ordinal>``, the set's namespace, and the pod-name label equal to the name."""
    parent, ordinal = pu.get_parent_and_ordinal(meta.name(pod))
    labels = meta.labels(pod)
    return (ordinal >= 0 and parent == meta.name(sts) and meta.name(pod) == f"{meta.name(sts)}-{ordinal}"
            and meta.namespace(pod, "default") == meta.namespace(sts, "default")
            and labels.get(POD_NAME_LABEL) == meta.name(pod))


def storage_matches(sts: Obj, pod: Obj) -> bool:
    """Every claim template has a pod volume of that name pointing at ``<tmpl>-<set>-<ordinal>``."""
    ordinal = pod_ordinal(pod)
    if ordinal < 0:
        return False
    volumes = {v.get("name"): v for v in (pod.get("spec") or {}).get("volumes") or ()}
    for tmpl in spec_of(sts).get("volumeClaimTemplates") or ():
        t = template_name(tmpl)
        pvc = (volumes.get(t) or {}).get("persistentVolumeClaim")
        if not pvc or pvc.get("claimName") != claim_name(t, meta.name(sts), ordinal):
            return False
    return True


def _pod_from_set(sts: Obj, ordinal: int) -> dict[str, Any]:
    """newStatefulSetPod: GetPodFromTemplate + initIdentity + updateStorage."""
    tmpl = spec_of(sts).get("template") or {}
    tmd = tmpl.get("metadata") or {}
    name = f"{meta.name(sts)}-{ordinal}"
    md: dict[str, Any] = {"name": name, "generateName": f"{meta.name(sts)}-",
                          "namespace": meta.namespace(sts, "default"),
                          "labels": {**(tmd.get("labels") or {}), POD_NAME_LABEL: name,
                                     POD_INDEX_LABEL: str(ordinal)}}
    if tmd.get("annotations"):
        md["annotations"] = dict(tmd["annotations"])
    if tmd.get("finalizers"):
        md["finalizers"] = list(tmd["finalizers"])
    md["ownerReferences"] = [set_owner_ref(sts)]
    spec = thaw(tmpl.get("spec") or {})
    spec["hostname"] = name
    if spec_of(sts).get("serviceName"):
        spec["subdomain"] = spec_of(sts)["serviceName"]
    return update_storage(sts, {"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": spec})


def new_pod(sts: Obj, ordinal: int, revision: Obj | None) -> dict[str, Any]:
    """The pod for ``ordinal`` at ``revision`` (template from the revision, revision-name label)."""
    source = apply_revision(sts, revision) if revision is not None and "data" in revision else sts
    pod = _pod_from_set(source, ordinal)
    if revision is not None:
        pod["metadata"]["labels"][REVISION_LABEL] = meta.name(revision)
    return pod


def uses_current_revision(sts: Obj, ordinal: int) -> bool:
    """newVersionedStatefulSetPod's choice: below the partition the current revision, else the update one."""
    strategy = spec_of(sts).get("updateStrategy") or {}
    ru = strategy.get("rollingUpdate")
    start = start_ordinal(sts)
    # Same operator precedence as upstream: the partition clause does not re-check the type.
    current_count = int((sts.get("status") or {}).get("currentReplicas") or 0)
    return ((strategy.get("type", "RollingUpdate") == "RollingUpdate" and ru is None
             and ordinal < start + current_count)
            or (ru is not None and ordinal < start + int(ru.get("partition") or 0)))


def versioned_pod(current_set: Obj, update_set: Obj, current_name: str, update_name: str,
                  ordinal: int) -> dict[str, Any]:
    """newVersionedStatefulSetPod: below the partition the current revision, else the update one."""
    use_current = uses_current_revision(current_set, ordinal)
    pod = _pod_from_set(current_set if use_current else update_set, ordinal)
    pod["metadata"]["labels"][REVISION_LABEL] = current_name if use_current else update_name
    return pod
