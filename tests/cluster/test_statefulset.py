"""StatefulSets in virtual time, as a user of the seed lab observes them."""

from __future__ import annotations

from typing import Any

from simk8s import Cluster

from .conftest import WEB_YAML


def added(cluster: Cluster, kind: str = "Pod") -> list[tuple[float, str]]:
    return [(ev.t, ev.obj["metadata"]["name"]) for ev in cluster.store.log
            if ev.kind.kind == kind and ev.type == "ADDED"]


def deleted(cluster: Cluster, kind: str = "Pod") -> list[str]:
    return [ev.obj["metadata"]["name"] for ev in cluster.store.log
            if ev.kind.kind == kind and ev.type == "DELETED"]


def running_at(cluster: Cluster, name: str, since: float = 0.0) -> float:
    for ev in cluster.store.log:
        if (ev.kind.kind == "Pod" and ev.obj["metadata"]["name"] == name and ev.t >= since
                and ev.obj.get("status", {}).get("phase") == "Running"
                and ev.type != "DELETED"):
            return ev.t
    raise AssertionError(f"{name} never Running")


def ready_at(cluster: Cluster, name: str, since: float = 0.0) -> float:
    for ev in cluster.store.log:
        if ev.kind.kind == "Pod" and ev.obj["metadata"]["name"] == name and ev.t >= since:
            conds = {c["type"]: c["status"] for c in ev.obj.get("status", {}).get("conditions", [])}
            if conds.get("Ready") == "True":
                return ev.t
    raise AssertionError(f"{name} never Ready")


def sts_yaml(**spec: Any) -> dict[str, Any]:
    import yaml

    docs = list(yaml.safe_load_all(WEB_YAML))
    docs[1]["spec"].update(spec)
    return docs[1]


def test_web_1_is_created_only_after_web_0_is_running_and_ready(web: Cluster) -> None:
    order = added(web)
    assert [n for _, n in order] == ["web-0", "web-1"]
    t1 = order[1][0]
    assert ready_at(web, "web-0") <= t1
    assert running_at(web, "web-0") <= t1
    out = web.kubectl("get pods").stdout.split("\n")
    assert out[1].split()[:3] == ["web-0", "1/1", "Running"]


def test_timings_are_within_thirty_percent_of_the_seed(web: Cluster) -> None:
    order = dict((n, t) for t, n in added(web))
    assert 18 * 0.7 <= running_at(web, "web-0") - order["web-0"] <= 18 * 1.3
    assert 20 * 0.7 <= running_at(web, "web-1") - order["web-1"] <= 20 * 1.3
    # Pending ~10 s while local-path provisions the claim, then ContainerCreating on the chosen node.
    bound = next(ev.t for ev in web.store.log if ev.kind.kind == "Pod" and ev.obj["metadata"]["name"] == "web-1"
                 and ev.obj["spec"].get("nodeName"))
    assert 10 * 0.7 <= bound - order["web-1"] <= 10 * 1.3


def test_deleted_pods_come_back_with_the_same_names_hostnames_and_claims(web: Cluster) -> None:
    before = {p["metadata"]["name"]: p for p in web.get("pods")}
    t0 = web.now
    web.kubectl("delete pod -l app=nginx")
    web.settle()
    after = {p["metadata"]["name"]: p for p in web.get("pods")}
    assert sorted(after) == ["web-0", "web-1"]
    for name, pod in after.items():
        assert pod["metadata"]["uid"] != before[name]["metadata"]["uid"]
        assert pod["spec"]["hostname"] == name and pod["spec"]["subdomain"] == "nginx"
        vols = {v["name"]: v.get("persistentVolumeClaim", {}).get("claimName") for v in pod["spec"]["volumes"]}
        assert vols["www"] == f"www-{name}"
        assert web.exec(name, "hostname").stdout.strip() == name
    recreated = [t for t, n in added(web) if t >= t0]
    assert len(recreated) == 2
    for name in ("web-0", "web-1"):
        created = next(t for t, n in added(web) if n == name and t >= t0)
        assert running_at(web, name, created) - created <= 2 * 1.3 + 0.5
    assert sorted(c["metadata"]["name"] for c in web.get("pvc")) == ["www-web-0", "www-web-1"]


def test_scale_up_creates_each_ordinal_after_the_previous_is_ready(web: Cluster) -> None:
    t0 = web.now
    web.scale("statefulsets", "web", 5)
    web.settle()
    new = [(t, n) for t, n in added(web) if t >= t0]
    assert [n for _, n in new] == ["web-2", "web-3", "web-4"]
    for (t, _), (_, prev) in zip(new[1:], new[:-1], strict=True):
        assert ready_at(web, prev, t0) <= t
    t1 = web.now
    web.scale("statefulsets", "web", 3)
    web.settle()
    gone = [n for ev_n in [deleted(web)] for n in ev_n]
    assert gone[-2:] == ["web-4", "web-3"]
    dels = [ev for ev in web.store.log if ev.kind.kind == "Pod" and ev.type == "DELETED" and ev.t >= t1]
    assert [ev.obj["metadata"]["name"] for ev in dels] == ["web-4", "web-3"]
    assert sorted(c["metadata"]["name"] for c in web.get("pvc")) == [f"www-web-{i}" for i in range(5)]
    assert sorted(p["metadata"]["name"] for p in web.get("pods")) == ["web-0", "web-1", "web-2"]


def fresh(**spec: Any) -> Cluster:
    c = Cluster(seed=1, missing_images=["nginx:does-not-exist"])
    c.apply(WEB_YAML.split("---")[0])
    c.create(sts_yaml(**spec))
    c.settle()
    return c


def test_ordinals_start_names_pods_and_claims_from_the_start(cluster: Cluster) -> None:
    c = fresh(replicas=2, ordinals={"start": 3})
    assert [n for _, n in added(c)] == ["web-3", "web-4"]
    assert sorted(p["metadata"]["name"] for p in c.get("pvc")) == ["www-web-3", "www-web-4"]
    assert c.get("pods", "web-3")["metadata"]["labels"]["apps.kubernetes.io/pod-index"] == "3"


def test_parallel_creates_all_pods_at_once(cluster: Cluster) -> None:
    c = fresh(replicas=3, podManagementPolicy="Parallel")
    times = [t for t, _ in added(c)]
    assert sorted(n for _, n in added(c)) == ["web-0", "web-1", "web-2"]
    assert max(times) - min(times) < 1.0


def set_image(c: Cluster, image: str, **strategy: Any) -> None:
    patch: dict[str, Any] = {"spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": image}]}}}}
    if strategy:
        patch["spec"]["updateStrategy"] = strategy
    c.patch("statefulsets", "web", patch)


def images(c: Cluster) -> dict[str, str]:
    return {p["metadata"]["name"]: p["spec"]["containers"][0]["image"] for p in c.get("pods")}


def test_rolling_update_goes_in_reverse_ordinal_order_and_reports_status(cluster: Cluster) -> None:
    c = fresh(replicas=3)
    old = c.get("statefulsets", "web")["status"]["currentRevision"]
    t0 = c.now
    set_image(c, "nginx:1.25")
    c.settle()
    assert [n for n in deleted(c)] == ["web-2", "web-1", "web-0"]
    assert [n for t, n in added(c) if t >= t0] == ["web-2", "web-1", "web-0"]
    assert set(images(c).values()) == {"nginx:1.25"}
    st = c.get("statefulsets", "web")
    s = st["status"]
    assert s["replicas"] == s["readyReplicas"] == s["currentReplicas"] == s["updatedReplicas"] == 3
    assert s["currentRevision"] == s["updateRevision"] != old
    assert s["observedGeneration"] == st["metadata"]["generation"] == 2
    assert s["updateRevision"].startswith("web-")
    hashes = {p["metadata"]["labels"]["controller-revision-hash"] for p in c.get("pods")}
    assert hashes == {s["updateRevision"]}


def test_partition_stages_a_canary_then_rolls_the_rest(cluster: Cluster) -> None:
    c = fresh(replicas=3)
    set_image(c, "nginx:1.25", type="RollingUpdate", rollingUpdate={"partition": 2})
    c.settle()
    assert images(c) == {"web-0": "k8s.gcr.io/nginx-slim:0.8", "web-1": "k8s.gcr.io/nginx-slim:0.8",
                         "web-2": "nginx:1.25"}
    s = c.get("statefulsets", "web")["status"]
    assert s["updatedReplicas"] == 1 and s["currentReplicas"] == 2
    assert s["currentRevision"] != s["updateRevision"]
    c.patch("statefulsets", "web", {"spec": {"updateStrategy": {"rollingUpdate": {"partition": 0}}}})
    c.settle()
    assert set(images(c).values()) == {"nginx:1.25"}
    s = c.get("statefulsets", "web")["status"]
    assert s["currentRevision"] == s["updateRevision"] and s["currentReplicas"] == 3


def test_on_delete_updates_only_pods_the_user_deletes(cluster: Cluster) -> None:
    c = fresh(replicas=2)
    set_image(c, "nginx:1.25", type="OnDelete", rollingUpdate=None)
    c.settle()
    assert set(images(c).values()) == {"k8s.gcr.io/nginx-slim:0.8"}
    c.delete("pods", "web-1")
    c.settle()
    assert images(c) == {"web-0": "k8s.gcr.io/nginx-slim:0.8", "web-1": "nginx:1.25"}


def test_rollback_reuses_the_old_revision_name_and_history_is_limited(cluster: Cluster) -> None:
    c = fresh(replicas=1, revisionHistoryLimit=1)
    first = c.get("statefulsets", "web")["status"]["currentRevision"]
    set_image(c, "nginx:1.25")
    c.settle()
    set_image(c, "k8s.gcr.io/nginx-slim:0.8")
    c.settle()
    s = c.get("statefulsets", "web")["status"]
    assert s["updateRevision"] == s["currentRevision"] == first
    revs = c.get("controllerrevisions")
    assert first in {r["metadata"]["name"] for r in revs}
    assert max(r["revision"] for r in revs if r["metadata"]["name"] == first) == 3
    set_image(c, "nginx:1.26")
    c.settle()
    set_image(c, "nginx:1.27")
    c.settle()
    assert len(c.get("controllerrevisions")) == 2   # the live revision plus one of history


def test_events_carry_upstream_messages(web: Cluster) -> None:
    msgs = [(e["reason"], e["message"]) for e in web.get("events") if e["involvedObject"]["kind"] == "StatefulSet"]
    assert ("SuccessfulCreate", "create Claim www-web-0 Pod web-0 in StatefulSet web success") in msgs
    assert ("SuccessfulCreate", "create Pod web-0 in StatefulSet web successful") in msgs
    web.scale("statefulsets", "web", 1)
    web.settle()
    msgs = [(e["reason"], e["message"]) for e in web.get("events") if e["involvedObject"]["kind"] == "StatefulSet"]
    assert ("SuccessfulDelete", "delete Pod web-1 in StatefulSet web successful") in msgs


def owners(obj: dict[str, Any]) -> list[str]:
    return [o["kind"] for o in obj["metadata"].get("ownerReferences", [])]


def test_background_and_foreground_deletion_remove_pods_and_keep_claims(cluster: Cluster) -> None:
    for propagation in ("Background", "Foreground"):
        c = fresh(replicas=2)
        c.delete("statefulsets", "web", propagation=propagation)
        c.settle()
        assert c.get("pods") == [] and c.get("statefulsets") == []
        assert sorted(p["metadata"]["name"] for p in c.get("pvc")) == ["www-web-0", "www-web-1"]


def test_orphan_deletion_keeps_pods_and_a_new_set_adopts_them(cluster: Cluster) -> None:
    c = fresh(replicas=2)
    uids = {p["metadata"]["name"]: p["metadata"]["uid"] for p in c.get("pods")}
    c.delete("statefulsets", "web", propagation="Orphan")
    c.settle()
    pods = c.get("pods")
    assert {p["metadata"]["name"]: p["metadata"]["uid"] for p in pods} == uids
    assert all(owners(p) == [] for p in pods)
    c.create(sts_yaml(replicas=2))
    c.settle()
    pods = c.get("pods")
    assert {p["metadata"]["name"]: p["metadata"]["uid"] for p in pods} == uids
    assert all(owners(p) == ["StatefulSet"] for p in pods)
    assert c.get("statefulsets", "web")["status"]["readyReplicas"] == 2


def test_retention_policy_delete_removes_claims_through_owner_references(cluster: Cluster) -> None:
    c = fresh(replicas=3, persistentVolumeClaimRetentionPolicy={"whenScaled": "Delete", "whenDeleted": "Delete"})
    assert owners(c.get("pvc", "www-web-0")) == ["StatefulSet"]
    c.scale("statefulsets", "web", 1)
    c.settle()
    assert sorted(p["metadata"]["name"] for p in c.get("pvc")) == ["www-web-0"]
    c.delete("statefulsets", "web")
    c.settle()
    assert c.get("pvc") == []


def test_retention_policy_retain_keeps_claims(cluster: Cluster) -> None:
    c = fresh(replicas=2, persistentVolumeClaimRetentionPolicy={"whenScaled": "Retain", "whenDeleted": "Retain"})
    c.scale("statefulsets", "web", 1)
    c.settle()
    c.delete("statefulsets", "web")
    c.settle()
    assert sorted(p["metadata"]["name"] for p in c.get("pvc")) == ["www-web-0", "www-web-1"]
    assert all(owners(p) == [] for p in c.get("pvc"))


def test_a_failed_lower_ordinal_is_recreated_before_anything_else(cluster: Cluster) -> None:
    c = fresh(replicas=2)
    c.store.set_status("pods", "web-0", "default", {**c.get("pods", "web-0")["status"], "phase": "Failed"})
    t0 = c.now
    c.settle()
    assert [n for t, n in added(c) if t >= t0] == ["web-0"]
    assert c.get("pods", "web-0")["status"]["phase"] == "Running"
    events = [e["message"] for e in c.get("events") if e["involvedObject"]["kind"] == "StatefulSet"]
    assert "delete Pod web-0 in StatefulSet web successful" in events


def test_a_terminating_pod_on_a_failed_node_blocks_ordered_scale_up(cluster: Cluster) -> None:
    c = fresh(replicas=2)
    node = c.get("pods", "web-0")["spec"]["nodeName"]
    c.fail_node(node)
    c.delete("pods", "web-0")
    c.run(120)
    c.scale("statefulsets", "web", 3)
    c.run(120)
    names = {p["metadata"]["name"]: p for p in c.get("pods")}
    assert "web-2" not in names
    assert names["web-0"]["metadata"].get("deletionTimestamp")
    assert "Terminating" in c.kubectl("get pods").stdout
    c.recover_node(node)
    c.settle()
    assert sorted(p["metadata"]["name"] for p in c.get("pods")) == ["web-0", "web-1", "web-2"]


def test_min_ready_seconds_delays_the_next_ordinal(cluster: Cluster) -> None:
    c = fresh(replicas=2, minReadySeconds=30)
    order = dict((n, t) for t, n in added(c))
    assert order["web-1"] - ready_at(c, "web-0") >= 30
    assert c.get("statefulsets", "web")["status"]["availableReplicas"] == 2


def test_a_broken_template_halts_the_update_until_the_pod_is_deleted(cluster: Cluster) -> None:
    c = fresh(replicas=3)
    set_image(c, "nginx:does-not-exist")
    c.run(300)
    imgs = images(c)
    assert imgs["web-2"] == "nginx:does-not-exist"
    assert imgs["web-1"] == imgs["web-0"] == "k8s.gcr.io/nginx-slim:0.8"
    assert c.get("pods", "web-2")["status"]["phase"] == "Pending"
    set_image(c, "k8s.gcr.io/nginx-slim:0.8")
    c.run(300)
    assert images(c)["web-2"] == "nginx:does-not-exist"   # forced rollback: the stuck pod stays
    c.delete("pods", "web-2")
    c.run(300)
    assert set(images(c).values()) == {"k8s.gcr.io/nginx-slim:0.8"}
    assert c.get("statefulsets", "web")["status"]["readyReplicas"] == 3


def test_a_partition_equal_to_replicas_stages_the_update_without_touching_pods(cluster: Cluster) -> None:
    c = fresh(replicas=2)
    set_image(c, "nginx:1.25", type="RollingUpdate", rollingUpdate={"partition": 2})
    c.settle()
    assert set(images(c).values()) == {"k8s.gcr.io/nginx-slim:0.8"}
    s = c.get("statefulsets", "web")["status"]
    assert "updatedReplicas" not in s and s["currentReplicas"] == 2   # omitempty, as the API prints it
    assert s["updateRevision"] != s["currentRevision"]
    assert len(c.get("controllerrevisions")) == 2


def test_foreground_deletion_keeps_the_set_until_its_pods_are_gone(cluster: Cluster) -> None:
    c = fresh(replicas=2)
    c.delete("statefulsets", "web", propagation="Foreground")
    c.run(1)
    st = c.get("statefulsets", "web")
    assert st["metadata"]["deletionTimestamp"]
    assert "foregroundDeletion" in st["metadata"]["finalizers"]
    c.settle()
    assert c.get("statefulsets") == [] and c.get("pods") == []


def test_ordered_scale_down_waits_while_a_lower_pod_is_not_ready(cluster: Cluster) -> None:
    c = fresh(replicas=3)
    node = c.get("pods", "web-0")["spec"]["nodeName"]
    c.fail_node(node)
    c.run(90)
    ready = {x["type"]: x["status"] for x in c.get("pods", "web-0")["status"]["conditions"]}
    assert ready["Ready"] == "False"
    assert c.kubectl("get pods").stdout.split("\n")[1].split()[:3] == ["web-0", "1/1", "Running"]
    c.scale("statefulsets", "web", 2)
    c.run(120)
    assert sorted(p["metadata"]["name"] for p in c.get("pods")) == ["web-0", "web-1", "web-2"]
    c.recover_node(node)
    c.settle()
    assert sorted(p["metadata"]["name"] for p in c.get("pods")) == ["web-0", "web-1"]


def terminating_since(c: Cluster, name: str, since: float) -> float:
    return next(ev.t for ev in c.store.log if ev.t >= since and ev.kind.kind == "Pod"
                and ev.obj["metadata"]["name"] == name and ev.obj["metadata"].get("deletionTimestamp"))


def test_moving_ordinals_start_creates_the_new_ordinal_before_removing_the_old(cluster: Cluster) -> None:
    c = fresh(replicas=2)
    t0 = c.now
    c.patch("statefulsets", "web", {"spec": {"ordinals": {"start": 1}}})
    c.settle()
    assert [n for t, n in added(c) if t >= t0] == ["web-2"]
    assert deleted(c) == ["web-0"]
    assert ready_at(c, "web-2", t0) <= terminating_since(c, "web-0", t0)
    assert sorted(p["metadata"]["name"] for p in c.get("pods")) == ["web-1", "web-2"]


def test_parallel_scale_down_deletes_all_condemned_pods_at_once(cluster: Cluster) -> None:
    c = fresh(replicas=4, podManagementPolicy="Parallel")
    t0 = c.now
    c.scale("statefulsets", "web", 1)
    c.settle()
    # One sync deletes them all (the controller folds changes within 0.1 virtual s into one sync).
    times = {terminating_since(c, n, t0) for n in ("web-1", "web-2", "web-3")}
    assert len(times) == 1 and t0 <= next(iter(times)) <= t0 + 0.2
    assert [p["metadata"]["name"] for p in c.get("pods")] == ["web-0"]


def test_a_pod_whose_claim_is_being_deleted_waits_for_a_fresh_claim(web: Cluster) -> None:
    old = web.get("pvc", "www-web-1")["metadata"]["uid"]
    web.delete("pvc", "www-web-1")
    web.run(5)
    assert web.get("pvc", "www-web-1")["metadata"]["deletionTimestamp"]   # pvc-protection: web-1 uses it
    web.delete("pods", "web-1")
    web.settle()
    msgs = [(e["type"], e["reason"], e["message"]) for e in web.get("events")
            if e["involvedObject"]["kind"] == "StatefulSet" and e["reason"] == "FailedCreate"]
    # Whether the controller sees the old claim still terminating is a race (as on a real cluster);
    # when it does, it says so with the upstream text.
    assert all(m == ("Warning", "FailedCreate",
                     "create Pod web-1 in StatefulSet web failed error: pvc www-web-1 is being deleted") for m in msgs)
    fresh_claim = web.get("pvc", "www-web-1")
    assert fresh_claim["metadata"]["uid"] != old and fresh_claim["status"]["phase"] == "Bound"
    assert web.get("pods", "web-1")["status"]["phase"] == "Running"


def test_max_unavailable_is_ignored_with_its_feature_gate_off(cluster: Cluster) -> None:
    c = fresh(replicas=3, updateStrategy={"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 2}})
    t0 = c.now
    set_image(c, "nginx:1.25")
    c.settle()
    starts = [terminating_since(c, n, t0) for n in ("web-2", "web-1", "web-0")]
    assert starts == sorted(starts) and len(set(starts)) == 3
    assert ready_at(c, "web-2", t0) <= starts[1] and ready_at(c, "web-1", starts[1]) <= starts[2]


def test_when_scaled_delete_removes_only_condemned_claims_and_whendeleted_retain_keeps_the_rest(
        cluster: Cluster) -> None:
    c = fresh(replicas=3, persistentVolumeClaimRetentionPolicy={"whenScaled": "Delete", "whenDeleted": "Retain"})
    assert owners(c.get("pvc", "www-web-0")) == []
    c.scale("statefulsets", "web", 2)
    c.settle()
    assert sorted(p["metadata"]["name"] for p in c.get("pvc")) == ["www-web-0", "www-web-1"]
    c.delete("statefulsets", "web")
    c.settle()
    assert sorted(p["metadata"]["name"] for p in c.get("pvc")) == ["www-web-0", "www-web-1"]


def test_status_omits_zero_counts_as_the_api_serialises_them(cluster: Cluster) -> None:
    c = fresh(replicas=2)
    s = c.get("statefulsets", "web")["status"]
    assert s["collisionCount"] == 0 and s["availableReplicas"] == 2 and s["observedGeneration"] == 1
    c.scale("statefulsets", "web", 0)
    c.settle()
    s = c.get("statefulsets", "web")["status"]
    assert s["replicas"] == 0 and s["availableReplicas"] == 0 and s["observedGeneration"] == 2
    assert not {"readyReplicas", "currentReplicas", "updatedReplicas"} & set(s)


def test_only_pods_named_for_the_set_are_adopted_and_extra_ordinals_are_removed(cluster: Cluster) -> None:
    c = fresh(replicas=2)
    for name in ("web-5", "foo"):
        c.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": "nginx"}},
                  "spec": {"containers": [{"name": "nginx", "image": "k8s.gcr.io/nginx-slim:0.8"}]}})
    c.settle()
    pods = {p["metadata"]["name"]: owners(p) for p in c.get("pods")}
    assert pods == {"foo": [], "web-0": ["StatefulSet"], "web-1": ["StatefulSet"]}
    assert "delete Pod web-5 in StatefulSet web successful" in [
        e["message"] for e in c.get("events") if e["involvedObject"]["kind"] == "StatefulSet"]


def test_a_parallel_set_still_updates_one_pod_at_a_time_in_reverse_order(cluster: Cluster) -> None:
    c = fresh(replicas=3, podManagementPolicy="Parallel")
    t0 = c.now
    set_image(c, "nginx:1.25")
    c.settle()
    starts = [terminating_since(c, n, t0) for n in ("web-2", "web-1", "web-0")]
    assert starts == sorted(starts) and len(set(starts)) == 3
    assert set(images(c).values()) == {"nginx:1.25"}


def test_a_set_of_int32_max_replicas_is_stored_and_runs_bounded() -> None:
    c = Cluster(seed=1)
    c.apply(WEB_YAML.split("---")[0])
    c.create(sts_yaml(replicas=2**31 - 1))
    c.run(60)
    pods = c.store.list("Pod")
    # OrderedReady: one pod at a time, each once its predecessor is Running and Ready.
    assert 1 <= len(pods) <= 10
    assert len(c.store.list("PersistentVolumeClaim")) == len(pods)
    line = c.kubectl("get sts web").stdout.split("\n")[1].split()
    assert line[:2] == ["web", f"{len(pods) - 1}/2147483647"] or line[:2] == ["web", f"{len(pods)}/2147483647"]
