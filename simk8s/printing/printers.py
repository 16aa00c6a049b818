"""kubectl get's tables, as the API server's table printers (pkg/printers/internalversion) build them.

``table(kind, objs, now, ...)`` returns the header (upper-case column names) and one row of
cells per object; :class:`~simk8s.printing.tabwriter.TabWriter` lays them out. ``now`` is the
cluster's virtual wall clock: AGE and LAST SEEN are computed from it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import simk8s.api.kinds as kinds
import simk8s.printing.custom as custom
from simk8s.api.crd.definition import CustomKind
from simk8s.printing.humanize import age, since

__all__ = ["access_modes", "has_printer", "kind_prefix", "name_line", "node_roles", "node_status", "pod_ready",
           "pod_restarts", "pod_status", "service_external_ip", "table"]

Obj = Mapping[str, Any]
Row = list[str]

_MODES = {"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX", "ReadWriteOncePod": "RWOP"}


def kind_prefix(kind: str | kinds.Kind) -> str:
    """``pod``, ``statefulset.apps``: the resource name kubectl prints before ``/name``."""
    return (kind if isinstance(kind, kinds.Kind) else kinds.lookup(kind)).kubectl_name


def name_line(kind: str | kinds.Kind, obj: Obj) -> str:
    return f"{kind_prefix(kind)}/{obj['metadata']['name']}"


def access_modes(modes: Sequence[str] | None) -> str:
    return ",".join(_MODES.get(m, m) for m in modes or ())


def _labels(obj: Obj) -> str:
    labels = obj["metadata"].get("labels") or {}
    return ",".join(f"{k}={labels[k]}" for k in sorted(labels)) or "<none>"


# ------------------------------------------------------------------------------------------ pods
def pod_ready(pod: Obj) -> str:
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    total = len(spec.get("containers") or ()) + sum(
        1 for c in spec.get("initContainers") or () if c.get("restartPolicy") == "Always")
    ready = sum(1 for cs in status.get("containerStatuses") or ()
                if cs.get("ready") and "running" in (cs.get("state") or {}))
    return f"{ready}/{total}"


def pod_restarts(pod: Obj, now: datetime) -> str:
    statuses = (pod.get("status") or {}).get("containerStatuses") or ()
    restarts = sum(int(cs.get("restartCount", 0)) for cs in statuses)
    last = None
    for cs in statuses:
        finished = ((cs.get("lastState") or {}).get("terminated") or {}).get("finishedAt")
        if finished and (last is None or finished > last):
            last = finished
    if restarts and last:
        return f"{restarts} ({since(last, now)} ago)"
    return str(restarts)


def pod_status(pod: Obj) -> str:
    """The STATUS column (printPod)."""
    meta, spec, status = pod["metadata"], pod.get("spec") or {}, pod.get("status") or {}
    phase = status.get("phase", "")
    reason = status.get("reason") or phase
    for c in status.get("conditions") or ():
        if c.get("type") == "PodScheduled" and c.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"
    initializing = False
    inits = spec.get("initContainers") or ()
    for i, cs in enumerate(status.get("initContainerStatuses") or ()):
        state = cs.get("state") or {}
        term = state.get("terminated")
        if term and term.get("exitCode") == 0:
            continue
        if term:
            reason = "Init:" + (term.get("reason") or (f"Signal:{term['signal']}" if term.get("signal")
                                                         else f"ExitCode:{term.get('exitCode')}"))
        elif state.get("waiting", {}).get("reason") and state["waiting"]["reason"] != "PodInitializing":
            reason = "Init:" + state["waiting"]["reason"]
        else:
            reason = f"Init:{i}/{len(inits)}"
        initializing = True
        break
    if not initializing:
        has_running = False
        for cs in reversed(status.get("containerStatuses") or ()):
            state = cs.get("state") or {}
            waiting, term = state.get("waiting"), state.get("terminated")
            if waiting and waiting.get("reason"):
                reason = waiting["reason"]
            elif term and term.get("reason"):
                reason = term["reason"]
            elif term:
                reason = f"Signal:{term['signal']}" if term.get("signal") else f"ExitCode:{term.get('exitCode')}"
            elif "running" in state and cs.get("ready"):
                has_running = True
        if reason == "Completed" and has_running:
            ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or ())
            reason = "Running" if ready else "NotReady"
    if meta.get("deletionTimestamp") and status.get("reason") == "NodeLost":
        reason = "Unknown"
    elif meta.get("deletionTimestamp") and phase not in ("Succeeded", "Failed"):
        reason = "Terminating"
    return reason


def _pod(pod: Obj, now: datetime, wide: bool) -> Row:
    row = [pod["metadata"]["name"], pod_ready(pod), pod_status(pod), pod_restarts(pod, now), age(pod, now)]
    if wide:
        status = pod.get("status") or {}
        gates = pod["spec"].get("readinessGates") or ()
        row += [status.get("podIP") or "<none>", pod["spec"].get("nodeName") or "<none>",
                status.get("nominatedNodeName") or "<none>",
                f"{0}/{len(gates)}" if gates else "<none>"]
    return row


# ------------------------------------------------------------------------------------- workloads
def _containers(template_spec: Obj) -> list[str]:
    cs = template_spec.get("containers") or ()
    return [",".join(c.get("name", "") for c in cs), ",".join(c.get("image", "") for c in cs)]


def _selector(sel: Obj | None) -> str:
    if not sel:
        return "<none>"
    parts = [f"{k}={v}" for k, v in sorted((sel.get("matchLabels") or {}).items())]
    for e in sel.get("matchExpressions") or ():
        op = e.get("operator")
        if op == "In":
            parts.append(f"{e['key']} in ({','.join(sorted(e.get('values') or ()))})")
        elif op == "NotIn":
            parts.append(f"{e['key']} notin ({','.join(sorted(e.get('values') or ()))})")
        elif op == "Exists":
            parts.append(e["key"])
        elif op == "DoesNotExist":
            parts.append(f"!{e['key']}")
    return ",".join(parts) or "<none>"


def _sts(o: Obj, now: datetime, wide: bool) -> Row:
    status = o.get("status") or {}
    row = [o["metadata"]["name"], f"{status.get('readyReplicas', 0)}/{o['spec'].get('replicas', 1)}", age(o, now)]
    if wide:
        row += _containers((o["spec"].get("template") or {}).get("spec") or {})
    return row


def _deploy(o: Obj, now: datetime, wide: bool) -> Row:
    status = o.get("status") or {}
    row = [o["metadata"]["name"], f"{status.get('readyReplicas', 0)}/{o['spec'].get('replicas', 1)}",
           str(status.get("updatedReplicas", 0)), str(status.get("availableReplicas", 0)), age(o, now)]
    if wide:
        row += [*_containers((o["spec"].get("template") or {}).get("spec") or {}), _selector(o["spec"].get("selector"))]
    return row


def _rs(o: Obj, now: datetime, wide: bool) -> Row:
    status = o.get("status") or {}
    row = [o["metadata"]["name"], str(o["spec"].get("replicas", 1)), str(status.get("replicas", 0)),
           str(status.get("readyReplicas", 0)), age(o, now)]
    if wide:
        row += [*_containers((o["spec"].get("template") or {}).get("spec") or {}), _selector(o["spec"].get("selector"))]
    return row


def _revision(o: Obj, now: datetime, wide: bool) -> Row:
    ctrl = next((r for r in o["metadata"].get("ownerReferences") or () if r.get("controller")), None)
    controller = f"{kind_prefix(ctrl['kind'])}/{ctrl['name']}" if ctrl else "<none>"
    return [o["metadata"]["name"], controller, str(o.get("revision", 0)), age(o, now)]


# -------------------------------------------------------------------------------------- services
def service_external_ip(o: Obj) -> str:
    """getServiceExternalIP as the server's Table computes it (always "wide": never clipped): the
    load balancer's ingress IPs (or hostnames) sorted and de-duplicated, then spec.externalIPs."""
    spec = o.get("spec") or {}
    stype = spec.get("type", "ClusterIP")
    external_ips = [str(ip) for ip in spec.get("externalIPs") or ()]
    if stype in ("ClusterIP", "NodePort"):
        return ",".join(external_ips) or "<none>"
    if stype == "LoadBalancer":
        ingress = ((o.get("status") or {}).get("loadBalancer") or {}).get("ingress") or ()
        lb = sorted({i.get("ip") or i.get("hostname") for i in ingress if i.get("ip") or i.get("hostname")})
        return ",".join([*lb, *external_ips]) or "<pending>"
    if stype == "ExternalName":
        return str(spec.get("externalName", ""))
    return "<unknown>"


def _svc(o: Obj, now: datetime, wide: bool) -> Row:
    spec = o.get("spec") or {}
    stype = spec.get("type", "ClusterIP")
    cluster_ip = spec.get("clusterIP") or "<none>"
    external = service_external_ip(o)
    ports = []
    for p in spec.get("ports") or ():
        text = f"{p['port']}:{p['nodePort']}" if p.get("nodePort") else str(p["port"])
        ports.append(f"{text}/{p.get('protocol', 'TCP')}")
    row = [o["metadata"]["name"], stype, cluster_ip, external, ",".join(ports) or "<none>", age(o, now)]
    if wide:
        sel = spec.get("selector") or {}
        row.append(",".join(f"{k}={sel[k]}" for k in sorted(sel)) or "<none>")
    return row


def _endpoints(o: Obj, now: datetime, wide: bool) -> Row:
    pairs: list[str] = []
    for subset in o.get("subsets") or ():
        ports = subset.get("ports") or ()
        for addr in subset.get("addresses") or ():
            if ports:
                pairs.extend(f"{addr['ip']}:{p['port']}" for p in ports)
            else:
                pairs.append(addr["ip"])
    if not o.get("subsets"):
        text = "<none>"
    elif len(pairs) > 3:
        text = ",".join(pairs[:3]) + f" + {len(pairs) - 3} more..."
    else:
        text = ",".join(pairs)
    return [o["metadata"]["name"], text, age(o, now)]


def _slice(o: Obj, now: datetime, wide: bool) -> Row:
    ports = [str(p.get("port")) for p in o.get("ports") or () if p.get("port") is not None]
    addrs = [a for e in o.get("endpoints") or () for a in e.get("addresses") or ()]
    ep = ",".join(addrs[:3]) + (f" + {len(addrs) - 3} more..." if len(addrs) > 3 else "") if addrs else "<unset>"
    return [o["metadata"]["name"], o.get("addressType", ""), ",".join(ports) or "<unset>", ep, age(o, now)]


# --------------------------------------------------------------------------------------- storage
def _pvc(o: Obj, now: datetime, wide: bool) -> Row:
    spec, status = o.get("spec") or {}, o.get("status") or {}
    phase = "Terminating" if o["metadata"].get("deletionTimestamp") else status.get("phase", "")
    volume = spec.get("volumeName") or ""
    capacity = ((status.get("capacity") or {}).get("storage") or "") if volume else ""
    modes = access_modes(status.get("accessModes")) if volume else ""
    row = [o["metadata"]["name"], phase, volume, capacity, modes, spec.get("storageClassName") or "",
           spec.get("volumeAttributesClassName") or "<unset>", age(o, now)]
    if wide:
        row.append(spec.get("volumeMode", "Filesystem"))
    return row


def _pv(o: Obj, now: datetime, wide: bool) -> Row:
    spec, status = o.get("spec") or {}, o.get("status") or {}
    ref = spec.get("claimRef") or {}
    claim = f"{ref.get('namespace')}/{ref.get('name')}" if ref.get("name") else ""
    phase = "Terminating" if o["metadata"].get("deletionTimestamp") else status.get("phase", "")
    row = [o["metadata"]["name"], (spec.get("capacity") or {}).get("storage", ""), access_modes(spec.get("accessModes")),
           spec.get("persistentVolumeReclaimPolicy", ""), phase, claim, spec.get("storageClassName") or "",
           spec.get("volumeAttributesClassName") or "<unset>", status.get("reason") or "", age(o, now)]
    if wide:
        row.append(spec.get("volumeMode", "Filesystem"))
    return row


def _sc(o: Obj, now: datetime, wide: bool) -> Row:
    name = o["metadata"]["name"]
    anns = o["metadata"].get("annotations") or {}
    if anns.get("storageclass.kubernetes.io/is-default-class") == "true" or \
            anns.get("storageclass.beta.kubernetes.io/is-default-class") == "true":
        name += " (default)"
    return [name, o.get("provisioner", ""), o.get("reclaimPolicy", "Delete"),
            o.get("volumeBindingMode", "Immediate"), str(bool(o.get("allowVolumeExpansion", False))).lower(),
            age(o, now)]


# ------------------------------------------------------------------------------- cluster objects
def node_status(o: Obj) -> str:
    """The STATUS column (printers.go printNode): the Ready condition's type when True, ``Not`` + type
    for any other status (False or Unknown), ``Unknown`` only without a Ready condition; then
    ``SchedulingDisabled`` for a cordoned node. The last Ready condition listed wins, as in its map."""
    ready = None
    for c in (o.get("status") or {}).get("conditions") or ():
        if c.get("type") == "Ready":
            ready = c
    states = ["Unknown" if ready is None else "Ready" if ready.get("status") == "True" else "NotReady"]
    if (o.get("spec") or {}).get("unschedulable"):
        states.append("SchedulingDisabled")
    return ",".join(states)


def node_roles(o: Obj) -> list[str]:
    """findNodeRoles: ``node-role.kubernetes.io/<role>`` keys and a non-empty ``kubernetes.io/role`` value."""
    roles = set()
    for k, v in (o["metadata"].get("labels") or {}).items():
        if k.startswith("node-role.kubernetes.io/") and k.split("/", 1)[1]:
            roles.add(k.split("/", 1)[1])
        elif k == "kubernetes.io/role" and v:
            roles.add(v)
    return sorted(roles)


def _node(o: Obj, now: datetime, wide: bool) -> Row:
    status = o.get("status") or {}
    info = status.get("nodeInfo") or {}
    row = [o["metadata"]["name"], node_status(o), ",".join(node_roles(o)) or "<none>", age(o, now),
           info.get("kubeletVersion", "")]
    if wide:
        addrs = {a.get("type"): a.get("address") for a in status.get("addresses") or ()}
        row += [addrs.get("InternalIP", "<none>"), addrs.get("ExternalIP", "<none>"), info.get("osImage", "<unknown>"),
                info.get("kernelVersion", "<unknown>"), info.get("containerRuntimeVersion", "<unknown>")]
    return row


def _scale(o: Obj, now: datetime, wide: bool) -> Row:
    """printScale: the desired and the observed replicas of a ``--subresource=scale`` read."""
    return [o["metadata"]["name"], str((o.get("spec") or {}).get("replicas", 0)),
            str((o.get("status") or {}).get("replicas", 0))]


def _namespace(o: Obj, now: datetime, wide: bool) -> Row:
    return [o["metadata"]["name"], (o.get("status") or {}).get("phase", "Active"), age(o, now)]


def _event(o: Obj, now: datetime, wide: bool) -> Row:
    inv = o.get("involvedObject") or {}
    last = o.get("lastTimestamp") or o.get("eventTime") or o["metadata"].get("creationTimestamp")
    count = int(o.get("count", 1) or 1)
    first = o.get("firstTimestamp")
    seen = since(last, now)
    if count > 1 and first:
        seen = f"{seen} (x{count} over {since(first, now)})"
    obj = f"{inv.get('kind', '').lower()}/{inv.get('name', '')}"
    return [seen, o.get("type", ""), o.get("reason", ""), obj, o.get("message", "")]


def _netpol(o: Obj, now: datetime, wide: bool) -> Row:
    return [o["metadata"]["name"], _selector((o.get("spec") or {}).get("podSelector")), age(o, now)]


def _service_account(o: Obj, now: datetime, wide: bool) -> Row:
    return [o["metadata"]["name"], str(len(o.get("secrets") or ())), age(o, now)]


def _config_map(o: Obj, now: datetime, wide: bool) -> Row:
    return [o["metadata"]["name"], str(len(o.get("data") or ()) + len(o.get("binaryData") or ())), age(o, now)]


def _secret(o: Obj, now: datetime, wide: bool) -> Row:
    return [o["metadata"]["name"], o.get("type", ""), str(len(o.get("data") or ())), age(o, now)]


def _lease(o: Obj, now: datetime, wide: bool) -> Row:
    return [o["metadata"]["name"], (o.get("spec") or {}).get("holderIdentity", ""), age(o, now)]


def _role(o: Obj, now: datetime, wide: bool) -> Row:
    return [o["metadata"]["name"], o["metadata"].get("creationTimestamp", "")]


def _binding(o: Obj, now: datetime, wide: bool) -> Row:
    ref = o.get("roleRef") or {}
    row = [o["metadata"]["name"], f"{ref.get('kind', '')}/{ref.get('name', '')}", age(o, now)]
    if wide:
        subjects = o.get("subjects") or ()
        for kind in ("User", "Group"):
            row.append(", ".join(s.get("name", "") for s in subjects if s.get("kind") == kind))
        row.append(", ".join(f"{s.get('namespace', '')}/{s.get('name', '')}" for s in subjects
                             if s.get("kind") == "ServiceAccount"))
    return row


_BINDING_WIDE = ["USERS", "GROUPS", "SERVICEACCOUNTS"]

_COLUMNS: dict[str, tuple[list[str], list[str], Callable[[Obj, datetime, bool], Row]]] = {
    "Pod": (["NAME", "READY", "STATUS", "RESTARTS", "AGE"], ["IP", "NODE", "NOMINATED NODE", "READINESS GATES"], _pod),
    "StatefulSet": (["NAME", "READY", "AGE"], ["CONTAINERS", "IMAGES"], _sts),
    "Deployment": (["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"], ["CONTAINERS", "IMAGES", "SELECTOR"], _deploy),
    "ReplicaSet": (["NAME", "DESIRED", "CURRENT", "READY", "AGE"], ["CONTAINERS", "IMAGES", "SELECTOR"], _rs),
    "ControllerRevision": (["NAME", "CONTROLLER", "REVISION", "AGE"], [], _revision),
    "Service": (["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"], ["SELECTOR"], _svc),
    "Endpoints": (["NAME", "ENDPOINTS", "AGE"], [], _endpoints),
    "EndpointSlice": (["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"], [], _slice),
    "PersistentVolumeClaim": (["NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS MODES", "STORAGECLASS",
                               "VOLUMEATTRIBUTESCLASS", "AGE"], ["VOLUMEMODE"], _pvc),
    "PersistentVolume": (["NAME", "CAPACITY", "ACCESS MODES", "RECLAIM POLICY", "STATUS", "CLAIM", "STORAGECLASS",
                          "VOLUMEATTRIBUTESCLASS", "REASON", "AGE"], ["VOLUMEMODE"], _pv),
    "StorageClass": (["NAME", "PROVISIONER", "RECLAIMPOLICY", "VOLUMEBINDINGMODE", "ALLOWVOLUMEEXPANSION", "AGE"],
                     [], _sc),
    "Node": (["NAME", "STATUS", "ROLES", "AGE", "VERSION"],
             ["INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"], _node),
    "Namespace": (["NAME", "STATUS", "AGE"], [], _namespace),
    "Event": (["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"], [], _event),
    "NetworkPolicy": (["NAME", "POD-SELECTOR", "AGE"], [], _netpol),
    "ServiceAccount": (["NAME", "SECRETS", "AGE"], [], _service_account),
    "ConfigMap": (["NAME", "DATA", "AGE"], [], _config_map),
    "Secret": (["NAME", "TYPE", "DATA", "AGE"], [], _secret),
    "Lease": (["NAME", "HOLDER", "AGE"], [], _lease),
    "Role": (["NAME", "CREATED AT"], [], _role),
    "CustomResourceDefinition": (["NAME", "CREATED AT"], [], _role),
    "ClusterRole": (["NAME", "CREATED AT"], [], _role),
    "RoleBinding": (["NAME", "ROLE", "AGE"], _BINDING_WIDE, _binding),
    "ClusterRoleBinding": (["NAME", "ROLE", "AGE"], _BINDING_WIDE, _binding),
    "Scale": (["NAME", "DESIRED", "AVAILABLE"], [], _scale),
}


def has_printer(kind: str) -> bool:
    """Whether ``kind`` has its own columns (other kinds print NAME and AGE)."""
    return kind in _COLUMNS


def _name_age(o: Obj, now: datetime, wide: bool) -> Row:
    return [o["metadata"]["name"], age(o, now)]


def table(kind: str | kinds.Kind, objs: Sequence[Obj], now: datetime, *, wide: bool = False,
          show_labels: bool = False, with_namespace: bool = False, with_kind: bool = False,
          label_columns: Sequence[str] = ()) -> tuple[list[str], list[Row]]:
    """Header and rows of ``kubectl get <kind>`` for ``objs`` at virtual time ``now`` (a custom
    resource's columns are its CRD's printer columns)."""
    if isinstance(kind, CustomKind):
        header, custom_row = custom.columns(kind, wide)
        fn: Callable[[Obj, datetime, bool], Row] = lambda o, t, _: custom_row(o, t)  # noqa: E731
    else:
        head, wide_head, fn = _COLUMNS.get(kind if isinstance(kind, str) else kind.kind,
                                           (["NAME", "AGE"], [], _name_age))
        header = [*head, *(wide_head if wide else ())]
    header = list(header)
    header += [c.rsplit("/", 1)[-1].upper() for c in label_columns]
    if show_labels:
        header.append("LABELS")
    rows = []
    for o in objs:
        row = fn(o, now, wide)
        if with_kind and kind not in ("Event", kinds.lookup("Event")):
            row[0] = f"{kind_prefix(kind)}/{row[0]}"
        labels = o["metadata"].get("labels") or {}
        row += [labels.get(c, "") for c in label_columns]
        if show_labels:
            row.append(_labels(o))
        if with_namespace:
            row.insert(0, o["metadata"].get("namespace", ""))
        rows.append(row)
    if with_namespace:
        header.insert(0, "NAMESPACE")
    return header, rows
