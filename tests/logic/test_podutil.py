"""Pod predicates decide when the StatefulSet controller may move on: they must match upstream."""

from datetime import UTC, datetime

from simk8s.logic import podutil as pu


def pod(phase="Running", ready=True, since="2024-01-01T00:00:00Z", deleting=False):
    p = {"metadata": {"name": "web-0"}, "status": {"phase": phase, "conditions": [
        {"type": "Ready", "status": "True" if ready else "False", "lastTransitionTime": since}]}}
    if deleting:
        p["metadata"]["deletionTimestamp"] = "2024-01-01T00:01:00Z"
    return p


T0 = pu.parse_time("2024-01-01T00:00:00Z")


def test_ordinal_parsing_only_counts_members_of_the_set():
    assert pu.get_ordinal("web", "web-3") == 3
    assert pu.get_ordinal("web", "foo-0") == -1
    assert pu.get_ordinal("web", "web") == -1
    assert pu.get_ordinal("my-web", "my-web-12") == 12
    assert pu.get_parent_and_ordinal("web-99999999999") == ("", -1)


def test_placeholder_is_not_created_and_is_unavailable():
    ph = {"metadata": {"name": "web-0"}, "status": {}}
    assert not pu.is_created(ph)
    assert pu.is_unavailable(ph, 0, T0)


def test_running_and_ready_needs_both():
    assert pu.is_running_and_ready(pod())
    assert not pu.is_running_and_ready(pod(ready=False))
    assert not pu.is_running_and_ready(pod(phase="Pending"))


def test_terminating_ready_pod_is_not_healthy():
    assert pu.is_running_and_ready(pod(deleting=True))
    assert not pu.is_healthy(pod(deleting=True))


def test_min_ready_seconds_is_strict():
    p = pod()
    assert pu.is_running_and_available(p, 0, T0)
    assert not pu.is_running_and_available(p, 10, T0 + 10)
    assert pu.is_running_and_available(p, 10, T0 + 10.5)
    assert pu.is_running_and_available(p, 10, datetime(2024, 1, 1, 0, 0, 11, tzinfo=UTC))


def test_failed_and_succeeded():
    assert pu.is_failed(pod(phase="Failed"))
    assert pu.is_succeeded(pod(phase="Succeeded"))
    assert pu.is_pending(pod(phase="Pending"))
