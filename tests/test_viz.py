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
