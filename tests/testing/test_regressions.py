"""Replays of failures the property test found, kept as regression tests."""

from pathlib import Path

from simk8s.scenario import load_scenario, run_scenario

DATA = Path(__file__).parent / "data"


def test_sts_never_converges() -> None:
    """A monotonic scale-down to 1 waited for web-0 (its local volume on a failed node); once the
    node came back and web-0 was Ready, nothing synced the set again: its status already counted
    one available replica (the condemned web-2), and minReadySeconds later no event came. Upstream
    requeues a set minReadySeconds + 1 s after one of its pods becomes Ready; the simulator did
    not (and its batching of events cancelled a pending requeue). The replay ends as the property
    test ended: failed nodes recovered and the cluster settled, then the invariants hold."""
    result = run_scenario(load_scenario(DATA / "sts-never-converges.yaml"))
    assert result.failures == []
    pods = [p["metadata"]["name"] for p in result.cluster.store.list("Pod", "default")]
    assert pods == ["web-0"]
    status = result.cluster.store.get("StatefulSet", "web")["status"]
    assert (status["replicas"], status["readyReplicas"], status["availableReplicas"]) == (1, 1, 1)


def test_a_pod_of_an_earlier_set_of_the_same_name_is_not_the_sets_pod() -> None:
    """The runtime checker took web-5 (owned by an earlier set named web, terminating on a failed
    node since that set was deleted) for the current set's pod and reported the current set's
    ordered scale-down of its own web-4 and web-3 as out of order. Upstream's controller only
    counts the pods its controller reference names by uid; so does the checker now."""
    result = run_scenario(load_scenario(DATA / "sts-earlier-set-pod.yaml"))
    assert result.failures == []


def test_two_pods_ready_within_min_ready_seconds_of_each_other() -> None:
    """A monotonic scale-down from 3 to 2 waited for web-1 and web-2, which became Ready 3 s apart
    (minReadySeconds 3). Both requeued the set minReadySeconds + 1 s later, and the delaying queue
    keeps the earlier of two times for one key (as client-go's does): at that sync web-2 was
    available but web-1 not yet, and the status already counted 2 available replicas (web-0 and the
    condemned web-2), so upstream's own requeue was not asked for either. Upstream recovers at its
    next 30 s resync of StatefulSets; the simulator had no resync and never looked again."""
    result = run_scenario(load_scenario(DATA / "sts-two-ready-within-min-ready.yaml"))
    assert result.failures == []
    pods = [p["metadata"]["name"] for p in result.cluster.store.list("Pod", "default")]
    assert pods == ["web-0", "web-1"]
    # web-1 became available at 09:07:06; the first 30 s resync tick after it (from the cluster's
    # start at 09:00:00) is 09:07:30.
    deleted = [e["lastTimestamp"] for e in result.cluster.store.list("Event", "default")
               if e["message"] == "delete Pod web-2 in StatefulSet web successful"]
    assert deleted == ["2024-06-01T09:07:30Z"]
