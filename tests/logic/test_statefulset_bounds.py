"""A set may ask for 2**31 - 1 replicas (spec.replicas is an int32): each plan stays bounded."""

from test_statefulset_fixtures import Harness, make_set

from simk8s.logic import statefulset as S
from simk8s.logic.statefulset.plan import BURST_PODS

HUGE = 2**31 - 1


def created(plan: S.Plan) -> list[str]:
    return [a.pod["metadata"]["name"] for a in plan.actions if isinstance(a, S.CreatePod)]


def test_an_ordered_set_of_int32_max_replicas_creates_one_pod_at_a_time():
    h = Harness(make_set(replicas=HUGE))
    assert created(h.sync()) == ["web-0"]
    assert created(h.sync()) == []          # web-0 is not Running and Ready yet
    assert h.sts["status"]["replicas"] == 1


def test_a_parallel_set_of_int32_max_replicas_creates_a_burst_per_sync():
    h = Harness(make_set(replicas=HUGE, policy="Parallel", templates=()))
    assert created(h.sync()) == [f"web-{i}" for i in range(BURST_PODS)]
    assert created(h.sync()) == [f"web-{i}" for i in range(BURST_PODS, 2 * BURST_PODS)]
    assert len(h.pods) == 2 * BURST_PODS


def test_a_parallel_set_of_a_burst_is_created_in_one_sync_as_upstream_does():
    h = Harness(make_set(replicas=BURST_PODS, policy="Parallel", templates=()))
    assert len(created(h.sync())) == BURST_PODS
    h = Harness(make_set(replicas=BURST_PODS + 1, policy="Parallel", templates=()))
    assert len(created(h.sync())) == BURST_PODS
    assert created(h.sync()) == [f"web-{BURST_PODS}"]
