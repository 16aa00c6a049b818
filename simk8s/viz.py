"""Pictures of a run: pod timelines, the object graph, HTML tables for notebooks.

The data (``lanes``, ``object_graph``) is computed from the cluster's watch log and store without
any plotting library; ``timeline`` and ``object_graph_figure`` draw it with matplotlib (the
``notebooks`` extra), imported only when called.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import simk8s.node.netpolicy as netpolicy
import simk8s.node.network as network
from simk8s.api.frozen import get_in, thaw
from simk8s.printing.printers import table

if TYPE_CHECKING:
    import networkx as nx

    from simk8s.cluster import Cluster

__all__ = ["Lane", "Segment", "answer_path", "answer_path_figure", "claim_lanes", "claim_timeline", "cluster_html",
           "connection_figure", "connection_graph", "html_table", "lanes", "object_graph", "object_graph_figure",
           "timeline"]

# Lane states, in lifecycle order, with the colours the timeline uses.
STATES = {
    "Pending": "#c7c7c7",
    "Scheduled": "#9ecae1",
    "ContainerCreating": "#fdd49e",
    "Running": "#a1d99b",
    "Ready": "#31a354",
    "Terminating": "#fc9272",
}


@dataclass
class Segment:
    start: float
    end: float
    state: str


@dataclass
class Lane:
    """One pod name over time; a name reused by a new pod (new uid) continues the same lane."""

    name: str
    namespace: str
    segments: list[Segment] = field(default_factory=list)
    marks: list[tuple[float, str]] = field(default_factory=list)

    @property
    def start(self) -> float:
        return self.segments[0].start if self.segments else 0.0

    def first(self, state: str) -> float | None:
        return next((s.start for s in self.segments if s.state == state), None)


def pod_state(pod: Any) -> str:
    """The lane state of a pod object (coarser than kubectl's STATUS column)."""
    if pod["metadata"].get("deletionTimestamp"):
        return "Terminating"
    if not get_in(pod, ("spec", "nodeName")):
        return "Pending"
    status = pod.get("status") or {}
    if status.get("phase") == "Running":
        ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or ())
        return "Ready" if ready else "Running"
    if status.get("containerStatuses"):
        return "ContainerCreating"
    return "Scheduled"


def lanes(cluster: Cluster, namespace: str | None = "default", prefix: str = "") -> list[Lane]:
    """One lane per pod name (in order of first appearance), from the watch log."""
    out: dict[tuple[str, str], Lane] = {}
    open_state: dict[tuple[str, str], tuple[float, str]] = {}
    for ev in cluster.store.log:
        if ev.kind.kind != "Pod":
            continue
        meta = ev.obj["metadata"]
        if namespace is not None and meta.get("namespace") != namespace:
            continue
        if not meta["name"].startswith(prefix):
            continue
        key = (meta.get("namespace", ""), meta["name"])
        lane = out.setdefault(key, Lane(meta["name"], meta.get("namespace", "")))
        state = pod_state(ev.obj)
        prev = open_state.get(key)
        if ev.type == "ADDED":
            lane.marks.append((ev.t, "created"))
        if prev is not None and (prev[1] != state or ev.type == "DELETED"):
            lane.segments.append(Segment(prev[0], ev.t, prev[1]))
            if state == "Scheduled" and prev[1] == "Pending":
                lane.marks.append((ev.t, "scheduled"))
            if state == "Ready":
                lane.marks.append((ev.t, "ready"))
            if state == "Terminating" and prev[1] != "Terminating":
                lane.marks.append((ev.t, "terminating"))
        if ev.type == "DELETED":
            lane.marks.append((ev.t, "deleted"))
            open_state.pop(key, None)
        elif prev is None or prev[1] != state:
            open_state[key] = (ev.t, state)
    for key, (start, state) in open_state.items():
        out[key].segments.append(Segment(start, max(cluster.now, start), state))
    for lane in out.values():
        lane.segments.sort(key=lambda s: s.start)
    return list(out.values())


def timeline(cluster: Cluster, namespace: str | None = "default", prefix: str = "", title: str = "") -> Any:
    """A matplotlib Figure: one horizontal lane per pod, coloured by state, lifecycle marks on top."""
    return _lanes_figure(lanes(cluster, namespace, prefix), STATES, cluster.now, title or "Pods over time",
                         {"created": "|", "deleted": "x", "ready": "o"})


def _lanes_figure(data: Sequence[Lane], palette: dict[str, str], now: float, title: str,
                  markers: dict[str, str], labels: bool = False) -> Any:
    import matplotlib.pyplot as plt  # optional heavy dependency (the notebooks extra)
    from matplotlib.patches import Patch

    fig, ax = plt.subplots(figsize=(10, 1.6 + 0.45 * max(1, len(data))), layout="constrained")
    for i, lane in enumerate(data):
        y = len(data) - 1 - i
        for seg in lane.segments:
            ax.broken_barh([(seg.start, max(seg.end - seg.start, 0.05))], (y - 0.35, 0.7),
                           facecolors=palette[seg.state])
        texts: dict[float, list[str]] = {}
        for t, what in lane.marks:
            kind = what.split(" ", 1)[0]
            if kind in markers:
                ax.plot([t], [y], marker=markers[kind], color="black", markersize=6)
            if labels and " " in what:
                texts.setdefault(t, []).append(what)
        for j, (t, items) in enumerate(sorted(texts.items())):
            # Marks at one instant share a label; successive labels alternate above and below.
            ax.annotate("; ".join(items), (t, y), xytext=(4, 12 if j % 2 == 0 else -17),
                        textcoords="offset points", fontsize=7)
    ax.set_yticks(range(len(data)), [lane.name for lane in reversed(data)])
    ax.set_xlabel("virtual seconds")
    ax.set_xlim(0, max(now, 1))
    fig.legend(handles=[Patch(color=c, label=s) for s, c in palette.items()], loc="outside lower center",
               ncol=len(palette), fontsize="small", frameon=False)
    ax.set_title(title)
    return fig


# -------------------------------------------------------------------------------- claims over time
CLAIM_STATES = {"Pending": "#c7c7c7", "Bound": "#9e9ac8", "Lost": "#fc9272", "Terminating": "#fdae6b"}


def claim_lanes(cluster: Cluster, namespace: str | None = "default") -> list[Lane]:
    """One lane per claim name, from the watch log: Pending, Bound, Lost, Terminating, with marks
    ``node <name>`` when the scheduler picks a node for it (``volume.kubernetes.io/selected-node``),
    ``bound <volume> @ <node>`` when it binds, ``mounted <pod> @ <node>`` when a pod using it is
    placed, and ``created`` / ``deleted``."""
    volume_node: dict[str, str] = {}
    for ev in cluster.store.log:
        if ev.kind.kind == "PersistentVolume":
            for term in get_in(ev.obj, ("spec", "nodeAffinity", "required", "nodeSelectorTerms")) or ():
                for expr in term.get("matchExpressions") or ():
                    if expr.get("key") == "kubernetes.io/hostname" and expr.get("values"):
                        volume_node[ev.obj["metadata"]["name"]] = str(expr["values"][0])
    out: dict[tuple[str, str], Lane] = {}
    open_state: dict[tuple[str, str], tuple[float, str]] = {}
    seen: dict[tuple[str, str], tuple[str, str, str]] = {}
    placed: set[tuple[str, str, str]] = set()
    for ev in cluster.store.log:
        kind = ev.kind.kind
        meta = ev.obj["metadata"]
        if namespace is not None and meta.get("namespace", namespace) != namespace:
            continue
        if kind == "Pod" and ev.type != "DELETED" and get_in(ev.obj, ("spec", "nodeName")):
            node = ev.obj["spec"]["nodeName"]
            for v in ev.obj["spec"].get("volumes") or ():
                claim = get_in(v, ("persistentVolumeClaim", "claimName"))
                key = (meta.get("namespace", ""), str(claim))
                mark = (meta["uid"], str(claim), node)
                if claim and key in out and mark not in placed:
                    placed.add(mark)
                    out[key].marks.append((ev.t, f"mounted {meta['name']} @ {node}"))
            continue
        if kind != "PersistentVolumeClaim":
            continue
        key = (meta.get("namespace", ""), meta["name"])
        lane = out.setdefault(key, Lane(meta["name"], meta.get("namespace", "")))
        phase = get_in(ev.obj, ("status", "phase")) or "Pending"
        state = "Terminating" if meta.get("deletionTimestamp") else phase if phase in CLAIM_STATES else "Pending"
        selected = (meta.get("annotations") or {}).get("volume.kubernetes.io/selected-node", "")
        volume = get_in(ev.obj, ("spec", "volumeName")) or ""
        before = seen.get(key, ("", "", ""))
        if ev.type == "ADDED":
            lane.marks.append((ev.t, "created"))
        if selected and selected != before[1]:
            lane.marks.append((ev.t, f"node {selected}"))
        if volume and volume != before[2]:
            lane.marks.append((ev.t, f"bound {volume[:12]}… @ {volume_node.get(volume, '?')}"))
        seen[key] = (meta["uid"], selected, volume)
        prev = open_state.get(key)
        if prev is not None and (prev[1] != state or ev.type == "DELETED"):
            lane.segments.append(Segment(prev[0], ev.t, prev[1]))
        if ev.type == "DELETED":
            lane.marks.append((ev.t, "deleted"))
            open_state.pop(key, None)
            seen.pop(key, None)
        elif prev is None or prev[1] != state:
            open_state[key] = (ev.t, state)
    for key, (start, state) in open_state.items():
        out[key].segments.append(Segment(start, max(cluster.now, start), state))
    return list(out.values())


def claim_timeline(cluster: Cluster, namespace: str | None = "default", title: str = "") -> Any:
    """A matplotlib Figure of :func:`claim_lanes`: each claim's phase over time, annotated with the
    node chosen for it, the volume it bound (and the node that volume lives on) and the pods
    placed with it."""
    return _lanes_figure(claim_lanes(cluster, namespace), CLAIM_STATES, cluster.now,
                         title or "Claims: node choice, binding, mounts", {"created": "|", "deleted": "x",
                                                                           "node": "v", "bound": "o",
                                                                           "mounted": "^"}, labels=True)


# ------------------------------------------------------------------------------ DNS answer path
def answer_path(cluster: Cluster, name: str, namespace: str = "default") -> nx.DiGraph:
    """How cluster DNS answers ``name`` for a pod in ``namespace``: the name as asked, the fully
    qualified name it matched through the search list, the Service, its EndpointSlices and the
    pods behind them. Pod nodes carry ``ip`` and ``answered`` (ready and, for a hostname such as
    ``web-0.nginx``, the one that hostname names); the A records are those pods' IPs."""
    import networkx as nx  # the graph library loads only when a graph is drawn

    s = cluster.store
    g: nx.DiGraph = nx.DiGraph()
    g.add_node(f"name/{name}", kind="name", label=name)
    conf = network.resolv_conf(cluster.core, namespace)
    zone = cluster.topology.zone
    candidates = [name.rstrip(".")] if name.endswith(".") else [f"{name}.{d}" for d in conf.search] + [name]
    for fqdn in candidates:
        labels = fqdn.split(".")
        suffix = ["svc", *zone.split(".")]
        if len(labels) < 2 + len(suffix) or labels[-len(suffix):] != suffix:
            continue
        rest = labels[:-len(suffix)]
        ns, svc_name, host = rest[-1], rest[-2], rest[:-2]
        svc = s.try_get("Service", svc_name, ns)
        if svc is None or len(host) > 1:
            continue
        fq, sid = f"fqdn/{fqdn}", f"Service/{svc_name}"
        g.add_node(fq, kind="fqdn", label=fqdn + ".")
        g.add_edge(f"name/{name}", fq)
        cip = svc["spec"].get("clusterIP")
        g.add_node(sid, kind="Service", label=f"svc/{svc_name}\n" + ("headless" if cip == "None" else str(cip)))
        g.add_edge(fq, sid)
        slices = [sl for sl in s.list("EndpointSlice", ns)
                  if get_in(sl, ("metadata", "labels", "kubernetes.io/service-name")) == svc_name]
        for sl in slices:
            eid = f"EndpointSlice/{sl['metadata']['name']}"
            g.add_node(eid, kind="EndpointSlice", label=f"slice/{sl['metadata']['name']}")
            g.add_edge(sid, eid)
            for ep in sl.get("endpoints") or ():
                ref = ep.get("targetRef") or {}
                pod = str(ref.get("name") or ep["addresses"][0])
                ready = bool(get_in(ep, ("conditions", "ready")))
                wanted = not host or ep.get("hostname") == host[0]
                pid = f"Pod/{pod}"
                g.add_node(pid, kind="Pod", label=f"{pod}\n{ep['addresses'][0]}", ip=ep["addresses"][0],
                           answered=ready and wanted)
                g.add_edge(eid, pid)
        break
    return g


def answer_path_figure(cluster: Cluster, name: str, namespace: str = "default") -> Any:
    """Draw :func:`answer_path` left to right; pods in the answer are green, the others grey."""
    import matplotlib.pyplot as plt  # optional heavy dependency (the notebooks extra)
    import networkx as nx  # the graph library loads only when a graph is drawn

    g = answer_path(cluster, name, namespace)
    layer = {"name": 0, "fqdn": 1, "Service": 2, "EndpointSlice": 3, "Pod": 4}
    for _n, d in g.nodes(data=True):
        d["layer"] = layer[d["kind"]]
    pos = nx.multipartite_layout(g, subset_key="layer", scale=2.0)
    pods = sum(1 for _, d in g.nodes(data=True) if d["kind"] == "Pod")
    fig, ax = plt.subplots(figsize=(12, 1.5 + 0.8 * max(2, pods)), layout="constrained")
    colors = {"name": "#fdd0a2", "fqdn": "#fdae6b", "Service": "#6baed6", "EndpointSlice": "#9ecae1"}
    nx.draw_networkx_edges(g, pos, ax=ax, arrows=True, node_size=3000, min_source_margin=30, min_target_margin=30)
    for n, d in g.nodes(data=True):
        fill = colors.get(d["kind"]) or ("#74c476" if d.get("answered") else "#d9d9d9")
        x, y = pos[n]
        ax.text(x, y, d["label"], ha="center", va="center", fontsize=8,
                bbox={"boxstyle": "round,pad=0.5", "facecolor": fill, "edgecolor": "#636363"})
    answer = sorted(d["ip"] for _, d in g.nodes(data=True) if d.get("answered"))
    ax.set_title(f"{name} → " + (", ".join(answer) if answer else "no A records"))
    ax.set_axis_off()
    return fig


def object_graph(cluster: Cluster, namespace: str | None = "default") -> nx.DiGraph:
    """StatefulSet → Pods → PVCs → PVs → Nodes, Deployment → ReplicaSet → Pods, Service → Pods/Endpoints."""
    import networkx as nx  # the graph library loads only when a graph is drawn

    s = cluster.store
    g: nx.DiGraph = nx.DiGraph()

    def node_id(kind: str, name: str) -> str:
        return f"{kind}/{name}"

    def add(kind: str, obj: Any) -> str:
        nid = node_id(kind, obj["metadata"]["name"])
        g.add_node(nid, kind=kind, name=obj["metadata"]["name"])
        return nid

    uid_to_id: dict[str, str] = {}
    for kind in ("StatefulSet", "Deployment", "ReplicaSet", "Pod", "PersistentVolumeClaim", "Service", "Endpoints"):
        for obj in s.list(kind, namespace):
            uid_to_id[obj["metadata"]["uid"]] = add(kind, obj)
    for kind in ("PersistentVolume", "Node"):
        for obj in s.list(kind):
            add(kind, obj)
    for kind in ("ReplicaSet", "Pod", "PersistentVolumeClaim"):
        for obj in s.list(kind, namespace):
            me = node_id(kind, obj["metadata"]["name"])
            for ref in obj["metadata"].get("ownerReferences") or ():
                owner = uid_to_id.get(ref.get("uid", ""))
                if owner:
                    g.add_edge(owner, me, rel="owns")
    for pod in s.list("Pod", namespace):
        me = node_id("Pod", pod["metadata"]["name"])
        for v in pod["spec"].get("volumes") or ():
            claim = get_in(v, ("persistentVolumeClaim", "claimName"))
            if claim and g.has_node(node_id("PersistentVolumeClaim", claim)):
                g.add_edge(me, node_id("PersistentVolumeClaim", claim), rel="mounts")
        if pod["spec"].get("nodeName"):
            g.add_edge(me, node_id("Node", pod["spec"]["nodeName"]), rel="runs on")
    for pvc in s.list("PersistentVolumeClaim", namespace):
        vol = get_in(pvc, ("spec", "volumeName"))
        if vol and g.has_node(node_id("PersistentVolume", vol)):
            g.add_edge(node_id("PersistentVolumeClaim", pvc["metadata"]["name"]), node_id("PersistentVolume", vol),
                       rel="bound to")
    for pv in s.list("PersistentVolume"):
        for term in get_in(pv, ("spec", "nodeAffinity", "required", "nodeSelectorTerms")) or ():
            for expr in term.get("matchExpressions") or ():
                for value in expr.get("values") or ():
                    if expr.get("key") == "kubernetes.io/hostname" and g.has_node(node_id("Node", value)):
                        g.add_edge(node_id("PersistentVolume", pv["metadata"]["name"]), node_id("Node", value),
                                   rel="lives on")
    for svc in s.list("Service", namespace):
        me = node_id("Service", svc["metadata"]["name"])
        if g.has_node(node_id("Endpoints", svc["metadata"]["name"])):
            g.add_edge(me, node_id("Endpoints", svc["metadata"]["name"]), rel="endpoints")
        sel = svc["spec"].get("selector") or {}
        if sel:
            for pod in s.list("Pod", svc["metadata"]["namespace"]):
                labels = pod["metadata"].get("labels") or {}
                if all(labels.get(k) == v for k, v in sel.items()):
                    g.add_edge(me, node_id("Pod", pod["metadata"]["name"]), rel="selects")
    return g


def object_graph_figure(cluster: Cluster, namespace: str | None = "default") -> Any:
    """Draw :func:`object_graph` in layers (workloads, pods, claims, volumes, nodes)."""
    import matplotlib.pyplot as plt
    import networkx as nx  # the graph library loads only when a graph is drawn

    g = object_graph(cluster, namespace)
    g.remove_nodes_from([n for n, d in list(g.nodes(data=True)) if d["kind"] == "Node" and g.degree(n) == 0])
    layer = {"Service": 0, "StatefulSet": 0, "Deployment": 0, "ReplicaSet": 1, "Endpoints": 1, "Pod": 2,
             "PersistentVolumeClaim": 3, "PersistentVolume": 4, "Node": 5}
    for _n, d in g.nodes(data=True):
        d["layer"] = layer.get(d["kind"], 0)
    pos = nx.multipartite_layout(g, subset_key="layer", align="horizontal", scale=2.0)
    pos = {n: (x, -y) for n, (x, y) in pos.items()}
    fig, ax = plt.subplots(figsize=(12, 7), layout="constrained")
    colors = {"Service": "#6baed6", "StatefulSet": "#fd8d3c", "Deployment": "#fd8d3c", "ReplicaSet": "#fdae6b",
              "Endpoints": "#9ecae1", "Pod": "#74c476", "PersistentVolumeClaim": "#9e9ac8",
              "PersistentVolume": "#bcbddc", "Node": "#bdbdbd"}
    nx.draw_networkx(g, pos, ax=ax, node_color=[colors.get(d["kind"], "#ccc") for _, d in g.nodes(data=True)],
                     labels={n: n for n in g.nodes}, font_size=7, node_size=900, arrows=True)
    ax.set_axis_off()
    return fig


def html_table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A plain HTML table (for notebook reprs of kubectl tables and DNS answers)."""
    head = "".join(f"<th style='text-align:left'>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td style='text-align:left'>{html.escape(str(c))}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def cluster_html(cluster: Cluster, namespace: str = "default") -> str:
    """The cluster at a glance: virtual time, then ``kubectl get`` tables of its workloads and storage."""
    parts = [f"<p><b>simk8s cluster</b> seed {cluster.seed}, t = {cluster.now:.1f} virtual s</p>"]
    for kind in ("StatefulSet", "Deployment", "Pod", "Service", "PersistentVolumeClaim"):
        objs = [thaw(o) for o in cluster.store.list(kind, namespace)]
        if objs:
            head, rows = table(kind, objs, cluster.store.now())
            parts.append(f"<p><i>{kind}</i></p>" + html_table(head, rows))
    return "".join(parts)


def connection_graph(cluster: Cluster, namespace: str = "default", port: int = 80,
                     protocol: str = "TCP") -> nx.DiGraph:
    """The running pods of ``namespace`` and an edge A -> B when A may open ``port`` on B.

    Each edge carries the rules that let it through (``rules``); the verdicts are the
    NetworkPolicy decisions the simulated network enforces (:mod:`simk8s.node.netpolicy`).
    """
    import networkx as nx  # the graph library loads only when a graph is drawn

    pods = sorted((p for p in cluster.store.list("Pod", namespace)
                   if get_in(p, ("status", "podIP")) and not p["metadata"].get("deletionTimestamp")),
                  key=lambda p: p["metadata"]["name"])
    g: nx.DiGraph = nx.DiGraph()
    for p in pods:
        labels = p["metadata"].get("labels") or {}
        g.add_node(p["metadata"]["name"], group=labels.get("app") or labels.get("role") or "")
    for a in pods:
        for b in pods:
            if a is b:
                continue
            v = netpolicy.verdict(cluster.core, a, b, port, protocol)
            if v.allowed:
                g.add_edge(a["metadata"]["name"], b["metadata"]["name"],
                           rules=[str(r) for r in (*v.egress.rules, *v.ingress.rules)])
    return g


def connection_figure(cluster: Cluster, namespace: str = "default", port: int = 80, protocol: str = "TCP",
                      title: str = "") -> Any:
    """Draw :func:`connection_graph` on a circle, pods coloured by their ``app``/``role`` label."""
    import matplotlib.pyplot as plt
    import networkx as nx  # the graph library loads only when a graph is drawn

    g = connection_graph(cluster, namespace, port, protocol)
    pos = nx.circular_layout(sorted(g.nodes)) if g.nodes else {}
    groups = sorted({d["group"] for _, d in g.nodes(data=True)})
    palette = ["#fd8d3c", "#74c476", "#6baed6", "#9e9ac8", "#fdd0a2", "#bdbdbd"]
    colors = [palette[groups.index(d["group"]) % len(palette)] for _, d in g.nodes(data=True)]
    fig, ax = plt.subplots(figsize=(6, 5), layout="constrained")
    nx.draw_networkx(g, pos, ax=ax, node_color=colors, node_size=1400, font_size=8, arrows=True,
                     arrowsize=14, connectionstyle="arc3,rad=0.08")
    ax.set_title(title or f"who may connect to whom on {port}/{protocol} ({g.number_of_edges()} of "
                 f"{g.number_of_nodes() * (g.number_of_nodes() - 1)} pairs)")
    ax.set_axis_off()
    return fig
