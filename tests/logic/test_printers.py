"""Server-side Table columns (printers.go) for cluster objects."""

from __future__ import annotations

from typing import Any

from simk8s.printing.printers import node_roles, node_status


def test_node_status_column_follows_the_ready_condition_only() -> None:
    def node(*ready: str, unschedulable: bool = False) -> dict[str, Any]:
        return {"metadata": {"name": "n", "labels": {"kubernetes.io/role": "db", "node-role.kubernetes.io/edge": ""}},
                "spec": {"unschedulable": unschedulable},
                "status": {"conditions": [{"type": "MemoryPressure", "status": "Unknown"},
                                          *({"type": "Ready", "status": s} for s in ready)]}}

    assert node_status(node("True")) == "Ready"
    assert node_status(node("False")) == "NotReady"
    assert node_status(node("Unknown")) == "NotReady"
    assert node_status(node()) == "Unknown"
    assert node_status(node("False", "True")) == "Ready"  # the last one listed wins
    assert node_status(node("Unknown", unschedulable=True)) == "NotReady,SchedulingDisabled"
    assert node_roles(node()) == ["db", "edge"]
