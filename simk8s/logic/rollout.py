"""kubectl 1.32's rollout status viewers (``polymorphichelpers/rollout_status.go``), branch for branch.

Each viewer maps one observed object to ``RolloutStatus``: the text kubectl prints for that watch
event, whether the rollout is done, and the error that ends the command instead. kubectl prints
the text on every ADDED or MODIFIED event of the object, not only when it changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from simk8s.logic.replicaset import REVISION_ANNOTATION

__all__ = ["RolloutStatus", "deployment_status", "statefulset_status", "status_viewer"]


@dataclass(frozen=True)
class RolloutStatus:
    message: str = ""
    done: bool = False
    error: str | None = None


def statefulset_status(sts: Mapping[str, Any], revision: int = 0) -> RolloutStatus:
    """StatefulSetStatusViewer.Status. The revision pin is ignored, as upstream does.

    A defaulted set always has ``rollingUpdate.partition`` (0), so it takes the partitioned branch:
    the API server's defaulting, not the partition's value, decides which message is printed.
    """
    spec = sts.get("spec") or {}
    status = sts.get("status") or {}
    strategy = spec.get("updateStrategy") or {}
    if strategy.get("type") != "RollingUpdate":
        return RolloutStatus(done=True, error="rollout status is only available for RollingUpdate strategy type")
    observed = status.get("observedGeneration") or 0
    if observed == 0 or (sts["metadata"].get("generation") or 0) > observed:
        return RolloutStatus("Waiting for statefulset spec update to be observed...\n")
    replicas = spec.get("replicas")
    ready = status.get("readyReplicas") or 0
    updated = status.get("updatedReplicas") or 0
    if replicas is not None and ready < replicas:
        return RolloutStatus(f"Waiting for {replicas - ready} pods to be ready...\n")
    rolling = strategy.get("rollingUpdate")
    if rolling is not None:
        partition = rolling.get("partition")
        if replicas is not None and partition is not None and updated < replicas - partition:
            return RolloutStatus(f"Waiting for partitioned roll out to finish: {updated} out of "
                                 f"{replicas - partition} new pods have been updated...\n")
        return RolloutStatus(f"partitioned roll out complete: {updated} new pods have been updated...\n", True)
    if status.get("updateRevision", "") != status.get("currentRevision", ""):
        return RolloutStatus(f"waiting for statefulset rolling update to complete {updated} pods at revision "
                             f"{status.get('updateRevision', '')}...\n")
    return RolloutStatus(f"statefulset rolling update complete {status.get('currentReplicas') or 0} pods at "
                         f"revision {status.get('currentRevision', '')}...\n", True)


def deployment_status(d: Mapping[str, Any], revision: int = 0) -> RolloutStatus:
    """DeploymentStatusViewer.Status (1.32: no pod warnings appended)."""
    meta, spec, status = d["metadata"], d.get("spec") or {}, d.get("status") or {}
    name = meta["name"]
    if revision > 0:
        text = (meta.get("annotations") or {}).get(REVISION_ANNOTATION, "0")
        try:
            current = int(text)
        except ValueError:
            return RolloutStatus(error=f'cannot get the revision of deployment "{name}": strconv.ParseInt: parsing '
                                       f'"{text}": invalid syntax')
        if current != revision:
            return RolloutStatus(error=f"desired revision ({revision}) is different from the running revision "
                                       f"({current})")
    if (meta.get("generation") or 0) > (status.get("observedGeneration") or 0):
        return RolloutStatus("Waiting for deployment spec update to be observed...\n")
    progressing = next((c for c in status.get("conditions") or () if c.get("type") == "Progressing"), None)
    if progressing is not None and progressing.get("reason") == "ProgressDeadlineExceeded":
        return RolloutStatus(error=f'deployment "{name}" exceeded its progress deadline')
    replicas = spec.get("replicas")
    updated = status.get("updatedReplicas") or 0
    total = status.get("replicas") or 0
    available = status.get("availableReplicas") or 0
    if replicas is not None and updated < replicas:
        return RolloutStatus(f'Waiting for deployment "{name}" rollout to finish: {updated} out of {replicas} new '
                             f"replicas have been updated...\n")
    if total > updated:
        return RolloutStatus(f'Waiting for deployment "{name}" rollout to finish: {total - updated} old replicas '
                             f"are pending termination...\n")
    if available < updated:
        return RolloutStatus(f'Waiting for deployment "{name}" rollout to finish: {available} of {updated} updated '
                             f"replicas are available...\n")
    return RolloutStatus(f'deployment "{name}" successfully rolled out\n', True)


_VIEWERS = {"StatefulSet": statefulset_status, "Deployment": deployment_status}


def status_viewer(kind: str) -> Any:
    """The viewer for ``kind`` (StatusViewerFor), or None: simk8s has no DaemonSets."""
    return _VIEWERS.get(kind)
