"""``kubectl describe`` for the kinds a StatefulSet lab looks at (pkg/describe/describe.go).

The text is built with tabs and laid out by Go's tabwriter rules (minwidth 0, padding 2), so the
columns line up the way kubectl's do. Events come last, oldest first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from simk8s.api.times import parse_time
from simk8s.printing.humanize import since
from simk8s.printing.printers import access_modes
from simk8s.printing.tabwriter import go_tabwrite

__all__ = ["describe"]

Obj = Mapping[str, Any]


class _W:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def w(self, level: int, text: str) -> None:
        self.lines.append("  " * level + text)

    def text(self) -> str:
        return go_tabwrite("\n".join(self.lines) + "\n")


def _date(ts: str | None) -> str:
    if not ts:
        return "<unset>"
    return parse_time(ts).strftime("%a, %d %b %Y %H:%M:%S +0000")


def _section(w: _W, level: int, title: str, lines: Iterable[str]) -> None:
    """``Title:`` and one line per item a level deeper, or ``Title:\t<none>``."""
    lines = list(lines)
    if not lines:
        w.w(level, f"{title}:\t<none>")
        return
    w.w(level, f"{title}:")
    for line in lines:
        w.w(level + 1, line)


def _mount(m: Mapping[str, Any]) -> str:
    return f"{m.get('mountPath', '')} from {m.get('name', '')} ({'ro' if m.get('readOnly') else 'rw'})"


def _map(w: _W, title: str, values: Mapping[str, str] | None, skip: Sequence[str] = ()) -> None:
    items = sorted((k, v) for k, v in (values or {}).items() if k not in skip)
    if not items:
        w.w(0, f"{title}:\t<none>")
        return
    for i, (k, v) in enumerate(items):
        w.w(0, f"{title if i == 0 else '':s}{':' if i == 0 else ''}\t{k}={v}")


def _annotations(w: _W, values: Mapping[str, str] | None) -> None:
    _map(w, "Annotations", {k: v for k, v in (values or {}).items()
                            if k != "kubectl.kubernetes.io/last-applied-configuration"})


def _events(w: _W, events: Sequence[Obj], now: datetime) -> None:
    if not events:
        w.w(0, "Events:\t<none>")
        return
    w.w(0, "Events:")
    w.w(1, "Type\tReason\tAge\tFrom\tMessage")
    w.w(1, "----\t------\t----\t----\t-------")
    for e in sorted(events, key=lambda e: (e.get("firstTimestamp") or "", e["metadata"]["name"])):
        count = int(e.get("count", 1) or 1)
        age = since(e.get("lastTimestamp"), now)
        if count > 1:
            age = f"{age} (x{count} over {since(e.get('firstTimestamp'), now)})"
        source = (e.get("source") or {}).get("component") or e.get("reportingComponent", "")
        w.w(1, f"{e.get('type', '')}\t{e.get('reason', '')}\t{age}\t{source}\t{e.get('message', '').strip()}")


def _controlled_by(w: _W, obj: Obj) -> None:
    ctrl = next((r for r in obj["metadata"].get("ownerReferences") or () if r.get("controller")), None)
    if ctrl:
        w.w(0, f"Controlled By:\t{ctrl['kind']}/{ctrl['name']}")


# ------------------------------------------------------------------------------------------ pod
def _container_state(w: _W, level: int, title: str, state: Obj) -> None:
    if "running" in state:
        w.w(level, f"{title}:\tRunning")
        w.w(level + 1, f"Started:\t{_date(state['running'].get('startedAt'))}")
    elif "waiting" in state:
        w.w(level, f"{title}:\tWaiting")
        w.w(level + 1, f"Reason:\t{state['waiting'].get('reason', '')}")
        if state["waiting"].get("message"):
            w.w(level + 1, f"Message:\t{state['waiting']['message']}")
    elif "terminated" in state:
        t = state["terminated"]
        w.w(level, f"{title}:\tTerminated")
        w.w(level + 1, f"Reason:\t{t.get('reason', '')}")
        w.w(level + 1, f"Exit Code:\t{t.get('exitCode', 0)}")
        w.w(level + 1, f"Started:\t{_date(t.get('startedAt'))}")
        w.w(level + 1, f"Finished:\t{_date(t.get('finishedAt'))}")
    else:
        w.w(level, f"{title}:\tWaiting")


def _volumes(w: _W, volumes: Sequence[Obj]) -> None:
    if not volumes:
        w.w(0, "Volumes:\t<none>")
        return
    w.w(0, "Volumes:")
    for v in volumes:
        w.w(1, f"{v['name']}:")
        if "persistentVolumeClaim" in v:
            w.w(2, "Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)")
            w.w(2, f"ClaimName:\t{v['persistentVolumeClaim'].get('claimName', '')}")
            w.w(2, f"ReadOnly:\t{str(bool(v['persistentVolumeClaim'].get('readOnly', False))).lower()}")
        elif "projected" in v:
            w.w(2, "Type:\tProjected (a volume that contains injected data from multiple sources)")
            for src in v["projected"].get("sources") or ():
                if "serviceAccountToken" in src:
                    w.w(2, f"TokenExpirationSeconds:\t{src['serviceAccountToken'].get('expirationSeconds', 3607)}")
                if "configMap" in src:
                    w.w(2, f"ConfigMapName:\t{src['configMap'].get('name', '')}")
                    w.w(2, "ConfigMapOptional:\t<nil>")
                if "downwardAPI" in src:
                    w.w(2, "DownwardAPI:\ttrue")
        elif "emptyDir" in v:
            w.w(2, "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)")
            w.w(2, f"Medium:\t{v['emptyDir'].get('medium', '')}")
            w.w(2, f"SizeLimit:\t{v['emptyDir'].get('sizeLimit', '<unset>')}")
        elif "hostPath" in v:
            w.w(2, "Type:\tHostPath (bare host directory volume)")
            w.w(2, f"Path:\t{v['hostPath'].get('path', '')}")
            w.w(2, f"HostPathType:\t{v['hostPath'].get('type', '')}")
        else:
            w.w(2, f"Type:\t{next(iter(k for k in v if k != 'name'), 'Unknown')}")


def _tolerations(w: _W, tolerations: Sequence[Obj]) -> None:
    texts = []
    for t in tolerations:
        text = t.get("key", "")
        if t.get("value"):
            text += f"={t['value']}"
        if t.get("effect"):
            text += f":{t['effect']}"
        if t.get("operator") == "Exists" and not t.get("key"):
            text = (f":{t['effect']}" if t.get("effect") else "") + " op=Exists"
        elif t.get("operator") == "Exists":
            text += " op=Exists"
        if t.get("tolerationSeconds") is not None:
            text += f" for {t['tolerationSeconds']}s"
        texts.append(text.strip())
    if not texts:
        w.w(0, "Tolerations:\t<none>")
    for i, t in enumerate(texts):
        w.w(0, f"{'Tolerations:' if i == 0 else ''}\t{t}")


def _pod(obj: Obj, now: datetime, events: Sequence[Obj], related: Obj) -> str:
    meta, spec, status = obj["metadata"], obj.get("spec") or {}, obj.get("status") or {}
    w = _W()
    w.w(0, f"Name:\t{meta['name']}")
    w.w(0, f"Namespace:\t{meta.get('namespace', '')}")
    w.w(0, f"Priority:\t{spec.get('priority', 0)}")
    w.w(0, f"Service Account:\t{spec.get('serviceAccountName', 'default')}")
    node = spec.get("nodeName")
    w.w(0, f"Node:\t{node + '/' + status.get('hostIP', '') if node else '<none>'}")
    if status.get("startTime"):
        w.w(0, f"Start Time:\t{_date(status['startTime'])}")
    _map(w, "Labels", meta.get("labels"))
    _annotations(w, meta.get("annotations"))
    if meta.get("deletionTimestamp"):
        w.w(0, f"Status:\tTerminating (lasts {since(meta['deletionTimestamp'], now)})")
        w.w(0, f"Termination Grace Period:\t{meta.get('deletionGracePeriodSeconds', 0)}s")
    else:
        w.w(0, f"Status:\t{status.get('phase', '')}")
    if status.get("reason"):
        w.w(0, f"Reason:\t{status['reason']}")
    if status.get("message"):
        w.w(0, f"Message:\t{status['message']}")
    w.w(0, f"IP:\t{status.get('podIP', '')}")
    _section(w, 0, "IPs", (f"IP:\t{ip.get('ip', '')}" for ip in status.get("podIPs") or ()))
    _controlled_by(w, obj)
    w.w(0, "Containers:")
    statuses = {cs["name"]: cs for cs in status.get("containerStatuses") or ()}
    for c in spec.get("containers") or ():
        cs = statuses.get(c["name"], {})
        w.w(1, f"{c['name']}:")
        w.w(2, f"Container ID:\t{cs.get('containerID', '')}")
        w.w(2, f"Image:\t{c.get('image', '')}")
        w.w(2, f"Image ID:\t{cs.get('imageID', '')}")
        ports = c.get("ports") or ()
        if ports:
            w.w(2, "Port:\t" + ", ".join(f"{p['containerPort']}/{p.get('protocol', 'TCP')}" for p in ports))
            w.w(2, "Host Port:\t" + ", ".join(f"{p.get('hostPort', 0)}/{p.get('protocol', 'TCP')}" for p in ports))
        else:
            w.w(2, "Port:\t<none>")
            w.w(2, "Host Port:\t<none>")
        if c.get("command"):
            w.w(2, "Command:")
            for a in c["command"]:
                w.w(3, a)
        if c.get("args"):
            w.w(2, "Args:")
            for a in c["args"]:
                w.w(3, a)
        if cs:
            _container_state(w, 2, "State", cs.get("state") or {"waiting": {}})
            if cs.get("lastState"):
                _container_state(w, 2, "Last State", cs["lastState"])
            w.w(2, f"Ready:\t{'True' if cs.get('ready') else 'False'}")
            w.w(2, f"Restart Count:\t{cs.get('restartCount', 0)}")
        for label, key in (("Liveness", "livenessProbe"), ("Readiness", "readinessProbe"), ("Startup", "startupProbe")):
            if c.get(key):
                w.w(2, f"{label}:\t{_probe(c[key])}")
        _section(w, 2, "Environment", (f"{e['name']}:\t{e.get('value', '')}" for e in c.get("env") or ()))
        _section(w, 2, "Mounts", map(_mount, sorted(c.get("volumeMounts") or (), key=lambda m: m["mountPath"])))
    conditions = status.get("conditions") or ()
    if conditions:
        w.w(0, "Conditions:")
        w.w(1, "Type\tStatus")
        for cond in conditions:
            w.w(1, f"{cond['type']}\t{cond['status']} ")
    _volumes(w, spec.get("volumes") or ())
    w.w(0, f"QoS Class:\t{status.get('qosClass', 'BestEffort')}")
    ns = spec.get("nodeSelector") or {}
    w.w(0, "Node-Selectors:\t" + (",".join(f"{k}={v}" for k, v in sorted(ns.items())) or "<none>"))
    _tolerations(w, spec.get("tolerations") or ())
    _events(w, events, now)
    return w.text()


def _probe(p: Obj) -> str:
    if "httpGet" in p:
        h = p["httpGet"]
        kind = f"http-get {h.get('scheme', 'HTTP').lower()}://:{h.get('port')}{h.get('path', '/')}"
    elif "tcpSocket" in p:
        kind = f"tcp-socket :{p['tcpSocket'].get('port')}"
    elif "exec" in p:
        kind = "exec [" + " ".join(p["exec"].get("command") or ()) + "]"
    elif "grpc" in p:
        kind = f"grpc <pod>:{p['grpc'].get('port')} {p['grpc'].get('service') or ''}"
    else:
        kind = "unknown"
    return (f"{kind} delay={p.get('initialDelaySeconds', 0)}s timeout={p.get('timeoutSeconds', 1)}s "
            f"period={p.get('periodSeconds', 10)}s #success={p.get('successThreshold', 1)} "
            f"#failure={p.get('failureThreshold', 3)}")


# ---------------------------------------------------------------------------------- statefulset
def _sts(obj: Obj, now: datetime, events: Sequence[Obj], related: Obj) -> str:
    meta, spec, status = obj["metadata"], obj.get("spec") or {}, obj.get("status") or {}
    pods = related.get("pods") or ()
    w = _W()
    w.w(0, f"Name:\t{meta['name']}")
    w.w(0, f"Namespace:\t{meta.get('namespace', '')}")
    w.w(0, f"CreationTimestamp:\t{_date(meta.get('creationTimestamp'))}")
    sel = (spec.get("selector") or {}).get("matchLabels") or {}
    w.w(0, "Selector:\t" + (",".join(f"{k}={v}" for k, v in sorted(sel.items())) or "<none>"))
    _map(w, "Labels", meta.get("labels"))
    _annotations(w, meta.get("annotations"))
    w.w(0, f"Replicas:\t{spec.get('replicas', 1)} desired | {status.get('replicas', 0)} total")
    strategy = (spec.get("updateStrategy") or {}).get("type", "RollingUpdate")
    w.w(0, f"Update Strategy:\t{strategy}")
    if strategy == "RollingUpdate":
        part = ((spec.get("updateStrategy") or {}).get("rollingUpdate") or {}).get("partition", 0)
        w.w(1, f"Partition:\t{part}")
    phases = {p: sum(1 for x in pods if (x.get("status") or {}).get("phase") == p)
              for p in ("Running", "Pending", "Succeeded", "Failed")}
    w.w(0, f"Pods Status:\t{phases['Running']} Running / {phases['Pending']} Waiting / {phases['Succeeded']} "
           f"Succeeded / {phases['Failed']} Failed")
    tmpl = spec.get("template") or {}
    w.w(0, "Pod Template:")
    _map(_Indent(w, 1), "Labels", (tmpl.get("metadata") or {}).get("labels"))
    w.w(1, "Containers:")
    # A set's template is not validated (upstream does not): any field may be missing.
    for c in (tmpl.get("spec") or {}).get("containers") or ():
        w.w(2, f"{c.get('name', '')}:")
        w.w(3, f"Image:\t{c.get('image', '')}")
        ports = c.get("ports") or ()
        w.w(3, "Port:\t" + (", ".join(f"{p.get('containerPort', 0)}/{p.get('protocol', 'TCP')}" for p in ports)
                            or "<none>"))
        w.w(3, "Host Port:\t" + (", ".join(f"{p.get('hostPort', 0)}/{p.get('protocol', 'TCP')}" for p in ports)
                                  or "<none>"))
        w.w(3, "Environment:\t<none>")
        _section(w, 3, "Mounts", map(_mount, c.get("volumeMounts") or ()))
    vols = (tmpl.get("spec") or {}).get("volumes") or ()
    w.w(1, "Volumes:\t<none>" if not vols else "Volumes:")
    w.w(1, "Node-Selectors:\t<none>")
    w.w(1, "Tolerations:\t<none>")
    templates = spec.get("volumeClaimTemplates") or ()
    if templates:
        w.w(0, "Volume Claims:")
        for t in templates:
            tspec = t.get("spec") or {}
            w.w(1, f"Name:\t{(t.get('metadata') or {}).get('name', '')}")
            w.w(1, f"StorageClass:\t{tspec.get('storageClassName', '')}")
            _map(_Indent(w, 1), "Labels", (t.get("metadata") or {}).get("labels"))
            _map(_Indent(w, 1), "Annotations", (t.get("metadata") or {}).get("annotations"))
            w.w(1, f"Capacity:\t{((tspec.get('resources') or {}).get('requests') or {}).get('storage', '')}")
            w.w(1, f"Access Modes:\t{access_modes(tspec.get('accessModes'))}")
    else:
        w.w(0, "Volume Claims:\t<none>")
    _events(w, events, now)
    return w.text()


class _Indent(_W):
    def __init__(self, inner: _W, level: int) -> None:
        self.inner = inner
        self.level = level

    def w(self, level: int, text: str) -> None:
        self.inner.w(level + self.level, text)


# ------------------------------------------------------------------------------------------- pvc
def _pvc(obj: Obj, now: datetime, events: Sequence[Obj], related: Obj) -> str:
    meta, spec, status = obj["metadata"], obj.get("spec") or {}, obj.get("status") or {}
    w = _W()
    w.w(0, f"Name:\t{meta['name']}")
    w.w(0, f"Namespace:\t{meta.get('namespace', '')}")
    w.w(0, f"StorageClass:\t{spec.get('storageClassName', '')}")
    if meta.get("deletionTimestamp"):
        w.w(0, f"Status:\tTerminating (lasts {since(meta['deletionTimestamp'], now)})")
    else:
        w.w(0, f"Status:\t{status.get('phase', '')}")
    w.w(0, f"Volume:\t{spec.get('volumeName', '')}")
    _map(w, "Labels", meta.get("labels"))
    _annotations(w, meta.get("annotations"))
    w.w(0, "Finalizers:\t[" + " ".join(meta.get("finalizers") or ()) + "]")
    bound = bool(spec.get("volumeName"))
    w.w(0, f"Capacity:\t{(status.get('capacity') or {}).get('storage', '') if bound else ''}")
    w.w(0, f"Access Modes:\t{access_modes(status.get('accessModes')) if bound else ''}")
    w.w(0, f"VolumeMode:\t{spec.get('volumeMode', 'Filesystem')}")
    users = [p["metadata"]["name"] for p in related.get("pods") or ()]
    w.w(0, f"Used By:\t{users[0] if users else '<none>'}")
    for u in users[1:]:
        w.w(0, f"\t{u}")
    _events(w, events, now)
    return w.text()


# --------------------------------------------------------------------------------------- service
def _svc(obj: Obj, now: datetime, events: Sequence[Obj], related: Obj) -> str:
    meta, spec = obj["metadata"], obj.get("spec") or {}
    w = _W()
    w.w(0, f"Name:\t{meta['name']}")
    w.w(0, f"Namespace:\t{meta.get('namespace', '')}")
    _map(w, "Labels", meta.get("labels"))
    _annotations(w, meta.get("annotations"))
    sel = spec.get("selector") or {}
    w.w(0, "Selector:\t" + (",".join(f"{k}={v}" for k, v in sorted(sel.items())) or "<none>"))
    w.w(0, f"Type:\t{spec.get('type', 'ClusterIP')}")
    w.w(0, f"IP Family Policy:\t{spec.get('ipFamilyPolicy', 'SingleStack')}")
    w.w(0, "IP Families:\t" + ",".join(spec.get("ipFamilies") or ["IPv4"]))
    w.w(0, f"IP:\t{spec.get('clusterIP', '')}")
    w.w(0, "IPs:\t" + ",".join(spec.get("clusterIPs") or [spec.get("clusterIP", "")]))
    if spec.get("externalIPs"):
        w.w(0, "External IPs:\t" + ",".join(spec["externalIPs"]))
    if spec.get("loadBalancerIP"):
        w.w(0, f"Desired LoadBalancer IP:\t{spec['loadBalancerIP']}")
    if spec.get("externalName"):
        w.w(0, f"External Name:\t{spec['externalName']}")
    ingress = ((obj.get("status") or {}).get("loadBalancer") or {}).get("ingress") or ()
    if ingress:
        w.w(0, "LoadBalancer Ingress:\t" + ", ".join(i.get("ip") or i.get("hostname", "") for i in ingress))
    slices = related.get("endpointslices") or ()
    for p in spec.get("ports") or ():
        name = p.get("name") or "<unset>"
        w.w(0, f"Port:\t{name}\t{p['port']}/{p.get('protocol', 'TCP')}")
        target = p.get("targetPort", p["port"])
        w.w(0, f"TargetPort:\t{target}/{p.get('protocol', 'TCP')}")
        if p.get("nodePort"):
            w.w(0, f"NodePort:\t{name}\t{p['nodePort']}/{p.get('protocol', 'TCP')}")
        eps: list[str] = []
        for sl in slices:
            port = next((sp.get("port") for sp in sl.get("ports") or () if sp.get("name", "") == p.get("name", "")),
                        None)
            for ep in sl.get("endpoints") or ():
                if (ep.get("conditions") or {}).get("ready") and port is not None:
                    eps.extend(f"{a}:{port}" for a in ep.get("addresses") or ())
        w.w(0, "Endpoints:\t" + (",".join(eps[:3]) + (f" + {len(eps) - 3} more..." if len(eps) > 3 else "")
                                 if eps else ""))
    w.w(0, f"Session Affinity:\t{spec.get('sessionAffinity', 'None')}")
    if spec.get("externalTrafficPolicy"):
        w.w(0, f"External Traffic Policy:\t{spec['externalTrafficPolicy']}")
    w.w(0, f"Internal Traffic Policy:\t{spec.get('internalTrafficPolicy', 'Cluster')}")
    if spec.get("healthCheckNodePort"):
        w.w(0, f"HealthCheck NodePort:\t{spec['healthCheckNodePort']}")
    if spec.get("loadBalancerSourceRanges"):
        w.w(0, "LoadBalancer Source Ranges:\t" + ",".join(spec["loadBalancerSourceRanges"]))
    _events(w, events, now)
    return w.text()


def _generic(obj: Obj, now: datetime, events: Sequence[Obj], related: Obj) -> str:
    meta = obj["metadata"]
    w = _W()
    w.w(0, f"Name:\t{meta['name']}")
    if meta.get("namespace"):
        w.w(0, f"Namespace:\t{meta['namespace']}")
    _map(w, "Labels", meta.get("labels"))
    _annotations(w, meta.get("annotations"))
    w.w(0, f"API Version:\t{obj.get('apiVersion', '')}")
    w.w(0, f"Kind:\t{obj.get('kind', '')}")
    _events(w, events, now)
    return w.text()


_DESCRIBERS: dict[str, Callable[[Obj, datetime, Sequence[Obj], Obj], str]] = {
    "Pod": _pod, "StatefulSet": _sts, "PersistentVolumeClaim": _pvc, "Service": _svc,
}


def describe(kind: str, obj: Obj, *, now: datetime, events: Sequence[Obj] = (), related: Obj | None = None) -> str:
    """The text of ``kubectl describe <kind> <name>``."""
    return _DESCRIBERS.get(kind, _generic)(obj, now, events, related or {})
