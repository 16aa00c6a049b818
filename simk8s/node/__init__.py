"""The node side: what runs on each simulated node, and what a pod can reach from it.

A kubelet per node (:mod:`~simk8s.node.kubelet`, with its pod workers and probers), the container
runtime (:mod:`~simk8s.node.runtime`: file systems, exec, HTTP), the images and what they run
(:mod:`~simk8s.node.images`), in-memory file systems (:mod:`~simk8s.node.vfs`), the pod shell
(:mod:`~simk8s.node.shell`), the pod network (:mod:`~simk8s.node.network`, with network policy)
and the client tools a pod runs (:mod:`~simk8s.node.tools`: nslookup, dig, host).
"""

from __future__ import annotations

from typing import Any

from simk8s.core import Core
from simk8s.node.kubelet import Kubelet, KubeletDispatcher

__all__ = ["start_kubelets"]


def start_kubelets(core: Core) -> list[Any]:
    """Start a kubelet on every node and register it with ``core``; returns them in node order."""
    kubelets = {n["metadata"]["name"]: Kubelet(core, n["metadata"]["name"]) for n in core.store.list("Node")}
    KubeletDispatcher(core, kubelets)
    core.kubelets.update(kubelets)
    return list(kubelets.values())
