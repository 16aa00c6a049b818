"""Endpoints and EndpointSlices follow the pods a Service selects: label changes, selector changes,
Services created after their pods, deleted pods."""

from __future__ import annotations

from simk8s import Cluster


def pod(name: str, app: str) -> str:
    return f"""
apiVersion: v1
kind: Pod
metadata: {{name: {name}, labels: {{app: {app}}}}}
spec:
  containers: [{{name: c, image: "nginx:1.25"}}]
"""


def service(selector: str) -> str:
    return f"""
apiVersion: v1
kind: Service
metadata: {{name: svc}}
spec:
  selector: {{app: {selector}}}
  ports: [{{port: 80}}]
"""


def addresses(cluster: Cluster) -> list[str]:
    ep = cluster.store.get("Endpoints", "svc")
    return sorted(a["targetRef"]["name"] for s in ep.get("subsets") or () for a in s.get("addresses") or ())


def sliced(cluster: Cluster) -> list[str]:
    return sorted(e["targetRef"]["name"] for s in cluster.store.list("EndpointSlice", "default")
                  if s["metadata"]["labels"].get("kubernetes.io/service-name") == "svc"
                  for e in s.get("endpoints") or ())


def test_endpoints_follow_labels_selectors_and_deletions() -> None:
    cluster = Cluster(seed=3)
    for name, app in (("a1", "a"), ("a2", "a"), ("b1", "b")):
        cluster.apply(pod(name, app))
    cluster.settle()
    cluster.apply(service("a"))                     # created after its pods
    cluster.settle()
    assert addresses(cluster) == sliced(cluster) == ["a1", "a2"]
    cluster.kubectl("label pod b1 app=a --overwrite")
    cluster.settle()
    assert addresses(cluster) == sliced(cluster) == ["a1", "a2", "b1"]
    cluster.apply(service("b"))                     # the selector changes
    cluster.settle()
    assert addresses(cluster) == sliced(cluster) == []
    cluster.kubectl("label pod a2 app=b --overwrite")
    cluster.settle()
    assert addresses(cluster) == sliced(cluster) == ["a2"]
    cluster.kubectl("delete pod a2")
    cluster.settle()
    assert addresses(cluster) == sliced(cluster) == []


def test_services_with_several_selector_pairs_select_only_pods_with_all_of_them() -> None:
    cluster = Cluster(seed=4)
    cluster.apply("""
apiVersion: v1
kind: Service
metadata: {name: svc}
spec:
  selector: {app: a, tier: web}
  ports: [{port: 80}]
""")
    cluster.apply(pod("only-app", "a"))
    cluster.apply(pod("both", "a"))
    cluster.settle()
    cluster.kubectl("label pod both tier=web")
    cluster.settle()
    assert addresses(cluster) == sliced(cluster) == ["both"]
    cluster.kubectl("label pod both tier-")
    cluster.kubectl("label pod only-app tier=web")
    cluster.settle()
    assert addresses(cluster) == sliced(cluster) == ["only-app"]
