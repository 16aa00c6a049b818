"""Load-balancer address and announcer decisions (MetalLB layer 2)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from simk8s.logic.loadbalancer import EXCLUDE_LABEL, announcer, parse_pool, pick_address


def test_pool_entries_are_cidrs_or_ranges_in_order() -> None:
    assert parse_pool(["10.0.0.4/31", "10.0.0.9-10.0.0.10"]) == ["10.0.0.4", "10.0.0.5", "10.0.0.9", "10.0.0.10"]
    for bad in ("10.0.0.9-10.0.0.1", "10.0.0.300/32", "x-y"):
        with pytest.raises(ValueError, match="invalid address pool entry"):
            parse_pool([bad])


def lb(name: str = "a", ip: str | None = None, **spec: Any) -> dict[str, Any]:
    status = {"loadBalancer": {"ingress": [{"ip": ip}]}} if ip else {}
    return {"metadata": {"name": name, "namespace": "default"}, "spec": {"type": "LoadBalancer", **spec},
            "status": status}


def test_lowest_free_address_and_kept_addresses() -> None:
    pool = parse_pool(["10.0.0.1-10.0.0.3"])
    assert pick_address(lb(), pool, {"10.0.0.1": "default/x"}) == ("10.0.0.2", None)
    assert pick_address(lb(ip="10.0.0.3"), pool, {}) == ("10.0.0.3", None)
    assert pick_address(lb(ip="10.9.9.9"), pool, {}) == ("10.0.0.1", None)  # no longer in the pool
    taken = pick_address(lb(loadBalancerIP="10.0.0.1"), pool, {"10.0.0.1": "default/x"})
    assert taken == (None, 'Failed to allocate IP for "default/a": can\'t change sharing key for "default/a", '
                           "address also in use by default/x")


def node(name: str, ready: bool = True, excluded: bool = False) -> dict[str, Any]:
    return {"metadata": {"name": name, "labels": {EXCLUDE_LABEL: ""} if excluded else {}},
            "status": {"conditions": [{"type": "Ready", "status": "True" if ready else "Unknown"}]}}


def test_announcer_is_the_lowest_hash_among_ready_included_nodes() -> None:
    nodes = [node("m", excluded=True), node("w1"), node("w2"), node("w3", ready=False)]
    want = min(["w1", "w2"], key=lambda n: hashlib.sha256(f"{n}#10.0.0.1".encode()).digest())
    assert announcer(lb(ip="10.0.0.1"), nodes, []) == want
    assert announcer(lb(), nodes, []) is None  # no address yet
    local = lb(ip="10.0.0.1", externalTrafficPolicy="Local")
    slices = [{"endpoints": [{"conditions": {"ready": True}, "nodeName": "w2"}]}]
    assert announcer(local, nodes, slices) == "w2"
    assert announcer(local, nodes, []) is None
