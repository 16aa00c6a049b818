"""Shared builders for StatefulSet logic tests (plain dicts shaped like the API's)."""

from __future__ import annotations

import copy
from typing import Any


def make_set(name: str = "web", replicas: int = 3, *, policy: str = "OrderedReady",
             strategy: str = "RollingUpdate", partition: int | None = 0, image: str = "nginx:1",
             retention: tuple[str, str] | None = None, start: int | None = None,
             min_ready: int = 0, templates: tuple[str, ...] = ("www",), history: int = 10,
             max_unavailable: Any = None) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "replicas": replicas,
        "serviceName": "nginx",
        "selector": {"matchLabels": {"app": "nginx"}},
        "podManagementPolicy": policy,
        "revisionHistoryLimit": history,
        "minReadySeconds": min_ready,
        "template": {"metadata": {"labels": {"app": "nginx"}},
                     "spec": {"containers": [{"name": "nginx", "image": image}]}},
        "volumeClaimTemplates": [
            {"metadata": {"name": t}, "spec": {"accessModes": ["ReadWriteOnce"],
                                               "resources": {"requests": {"storage": "1Gi"}}}}
            for t in templates],
    }
    if strategy == "RollingUpdate":
        ru: dict[str, Any] = {}
        if partition is not None:
            ru["partition"] = partition
        if max_unavailable is not None:
            ru["maxUnavailable"] = max_unavailable
        spec["updateStrategy"] = {"type": "RollingUpdate", "rollingUpdate": ru}
    else:
        spec["updateStrategy"] = {"type": "OnDelete"}
    if retention is not None:
        spec["persistentVolumeClaimRetentionPolicy"] = {"whenDeleted": retention[0], "whenScaled": retention[1]}
    if start is not None:
        spec["ordinals"] = {"start": start}
    return {"apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": name, "namespace": "default", "uid": f"uid-{name}", "generation": 1},
            "spec": spec, "status": {}}


def with_image(sts: dict[str, Any], image: str) -> dict[str, Any]:
    out = copy.deepcopy(sts)
    out["spec"]["template"]["spec"]["containers"][0]["image"] = image
    out["metadata"]["generation"] += 1
    return out
