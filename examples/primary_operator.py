"""A small kopf operator for simk8s serve: it labels the primary of the ``web`` StatefulSet.

The primary is the Ready pod with the lowest ordinal (``role=primary``); every other pod of the set
is ``role=replica``. When the primary's node fails, its pod stops being Ready and the next pod takes
over; when it comes back, the lowest ordinal is primary again. Run it against a served cluster::

    simk8s serve examples/web.yaml --speed 10     # prints: export KUBECONFIG=...
    export KUBECONFIG=$PWD/simk8s.kubeconfig
    kopf run --standalone --namespace default examples/primary_operator.py
    kubectl get pods -L role -w
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import Any

import kopf
import kubernetes

SELECTOR = "app=nginx"


def _ordinal(name: str) -> int:
    m = re.search(r"-(\d+)$", name)
    return int(m.group(1)) if m else 1 << 30


def _ready(pod: Any) -> bool:
    if pod.metadata.deletion_timestamp is not None:
        return False
    return any(c.type == "Ready" and c.status == "True" for c in (pod.status.conditions or ()))


def choose_primary(pods: Iterable[Any]) -> str | None:
    """The name of the Ready pod with the lowest ordinal, or None when no pod is Ready."""
    ready = sorted((p for p in pods if _ready(p)), key=lambda p: _ordinal(p.metadata.name))
    return ready[0].metadata.name if ready else None


@kopf.on.login()
def login(**_: Any) -> kopf.ConnectionInfo:
    """Both kopf and the handlers' client talk to the cluster in ``$KUBECONFIG`` (read now, not
    when the client library was imported)."""
    kubernetes.config.load_kube_config(config_file=os.environ.get("KUBECONFIG"))
    cfg = kubernetes.client.Configuration.get_default_copy()
    token = (cfg.api_key or {}).get("authorization", "").removeprefix("Bearer").strip() or None
    return kopf.ConnectionInfo(server=cfg.host, scheme="Bearer" if token else None, token=token)


@kopf.on.event("", "v1", "pods", labels={"app": "nginx"})
def reconcile(namespace: str, logger: Any, **_: Any) -> None:
    """Level-triggered: whatever the event, relabel the whole set as it stands now."""
    api = kubernetes.client.CoreV1Api()
    pods = api.list_namespaced_pod(namespace, label_selector=SELECTOR).items
    primary = choose_primary(pods)
    for pod in pods:
        want = "primary" if pod.metadata.name == primary else "replica"
        if (pod.metadata.labels or {}).get("role") != want and pod.metadata.deletion_timestamp is None:
            api.patch_namespaced_pod(pod.metadata.name, namespace, {"metadata": {"labels": {"role": want}}})
            logger.info(f"{pod.metadata.name} is now {want}")
