"""Pictures of a run carry the right content."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from simk8s import Cluster, viz
from simk8s.cli import main
from simk8s.examples import WEB_YAML


def test_seed_lab_timeline_has_one_lane_per_pod_and_web_1_starts_after_web_0_is_ready() -> None:
    c = Cluster(seed=1)
    c.apply(WEB_YAML)
    c.settle()
    lanes = {lane.name: lane for lane in viz.lanes(c, prefix="web-")}
    assert sorted(lanes) == ["web-0", "web-1"]
    ready = lanes["web-0"].first("Ready")
    assert ready is not None and lanes["web-1"].start >= ready
    fig = viz.timeline(c, prefix="web-")
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["web-1", "web-0"]


def test_object_graph_links_set_pods_claims_volumes_and_nodes() -> None:
    c = Cluster(seed=1)
    c.apply(WEB_YAML)
    c.settle()
    g = viz.object_graph(c)
    assert g.has_edge("StatefulSet/web", "Pod/web-0")
    assert g.has_edge("Pod/web-0", "PersistentVolumeClaim/www-web-0")
    pv = next(iter(g.successors("PersistentVolumeClaim/www-web-0")))
    node = c.get("pods", "web-0")["spec"]["nodeName"]
    assert g.has_edge(pv, f"Node/{node}") and g.has_edge("Service/nginx", "Pod/web-1")


def test_cli_writes_timeline_and_graph(tmp_path: Path) -> None:
    png, svg = tmp_path / "t.png", tmp_path / "g.svg"
    scenario = Path(__file__).parent.parent / "scenarios" / "deployment-vs-statefulset.yaml"
    assert main(["run", str(scenario), "--quiet", "--timeline", str(png), "--graph", str(svg)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in svg.read_bytes()[:2000]


def test_a_cluster_renders_as_html_tables_in_a_notebook() -> None:
    c = Cluster(seed=1)
    c.apply(WEB_YAML)
    c.settle()
    html = c._repr_html_()
    assert "<th style='text-align:left'>READY</th>" in html and ">web-1<" in html and ">www-web-0<" in html


def test_answer_path_goes_name_fqdn_service_slice_pods_and_marks_the_answer() -> None:
    c = Cluster(seed=1)
    c.apply(WEB_YAML)
    c.settle()
    g = viz.answer_path(c, "web-0.nginx")
    fqdn = "fqdn/web-0.nginx.default.svc.cluster.local"
    assert g.has_edge("name/web-0.nginx", fqdn) and g.has_edge(fqdn, "Service/nginx")
    (slice_id,) = g.successors("Service/nginx")
    assert slice_id.startswith("EndpointSlice/nginx-")
    assert set(g.successors(slice_id)) == {"Pod/web-0", "Pod/web-1"}
    answered = {n for n, d in g.nodes(data=True) if d.get("answered")}
    assert answered == {"Pod/web-0"}
    assert g.nodes["Pod/web-0"]["ip"] == c.resolve("web-0.nginx")[0]
    every = viz.answer_path(c, "nginx")
    assert {n for n, d in every.nodes(data=True) if d.get("answered")} == {"Pod/web-0", "Pod/web-1"}
    fig = viz.answer_path_figure(c, "web-0.nginx")
    assert fig.axes[0].get_title() == f"web-0.nginx → {c.resolve('web-0.nginx')[0]}"
    assert list(viz.answer_path(c, "nope").nodes) == ["name/nope"]


def test_claim_lanes_show_node_choice_binding_and_the_pods_placed_with_each_claim() -> None:
    c = Cluster(seed=1)
    c.apply(WEB_YAML)
    c.settle()
    c.delete("pods", "web-0")
    c.settle()
    lanes = {lane.name: lane for lane in viz.claim_lanes(c)}
    assert sorted(lanes) == ["www-web-0", "www-web-1"]
    lane = lanes["www-web-0"]
    assert [s.state for s in lane.segments] == ["Pending", "Bound"]
    node = c.get("pods", "web-0")["spec"]["nodeName"]
    marks = [what for _, what in lane.marks]
    assert marks[:2] == ["created", f"node {node}"]
    assert marks[2].startswith("bound pvc-") and marks[2].endswith(f"@ {node}")
    assert marks[3:] == [f"mounted web-0 @ {node}", f"mounted web-0 @ {node}"]  # the pod and its replacement
    assert lane.segments[1].start == next(t for t, what in lane.marks if what.startswith("bound"))
    fig = viz.claim_timeline(c)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["www-web-1", "www-web-0"]
