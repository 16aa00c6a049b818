"""ControllerRevisions: a template change makes a new revision, a revert rolls back to the old name."""

from test_statefulset_fixtures import make_set, with_image

from simk8s.logic.hashing import ALPHANUMS
from simk8s.logic.revisions import (
    HASH_LABEL,
    apply_revision,
    compute_revisions,
    equal_revision,
    history_to_truncate,
    new_revision,
    revision_patch,
)


def test_revision_data_is_the_template_with_patch_replace():
    data = revision_patch(make_set())
    t = data["spec"]["template"]
    assert list(data) == ["spec"] and list(data["spec"]) == ["template"]
    assert t["$patch"] == "replace"
    assert t["metadata"] == {"creationTimestamp": None, "labels": {"app": "nginx"}}
    assert t["spec"]["containers"][0]["resources"] == {}


def test_new_revision_is_named_set_dash_hash_and_owned_by_the_set():
    rev = new_revision(make_set(), 1, 0)
    name = rev["metadata"]["name"]
    h = rev["metadata"]["labels"][HASH_LABEL]
    assert name == f"web-{h}" and set(h) <= set(ALPHANUMS) and len(h) <= 10
    assert rev["metadata"]["labels"]["app"] == "nginx"
    assert rev["metadata"]["ownerReferences"] == [{
        "apiVersion": "apps/v1", "kind": "StatefulSet", "name": "web", "uid": "uid-web",
        "controller": True, "blockOwnerDeletion": True}]
    assert rev["revision"] == 1


def test_replicas_change_does_not_create_a_revision():
    a = make_set(replicas=3)
    b = make_set(replicas=5, partition=2)
    assert equal_revision(new_revision(a, 1, 0), new_revision(b, 2, 0))


def test_first_sync_creates_revision_and_current_equals_update():
    plan = compute_revisions(make_set(), [])
    assert plan.to_create is not None and plan.to_update is None
    assert plan.current["metadata"]["name"] == plan.update["metadata"]["name"]
    assert plan.update["revision"] == 1


def _stored(rev, ts):
    return dict(rev, metadata=dict(rev["metadata"], creationTimestamp=ts))


def test_template_change_then_revert_rolls_back_to_the_old_revision_name():
    s1 = make_set()
    r1 = _stored(compute_revisions(s1, []).to_create, "2024-01-01T00:00:00Z")
    s2 = with_image(s1, "nginx:2")
    s2["status"] = {"currentRevision": r1["metadata"]["name"]}
    p2 = compute_revisions(s2, [r1])
    assert p2.to_create is not None and p2.update["revision"] == 2
    assert p2.current["metadata"]["name"] == r1["metadata"]["name"]
    r2 = _stored(p2.to_create, "2024-01-01T00:01:00Z")
    s3 = with_image(s2, "nginx:1")
    p3 = compute_revisions(s3, [r1, r2])
    assert p3.to_create is None
    assert p3.to_update is not None and p3.to_update["metadata"]["name"] == r1["metadata"]["name"]
    assert p3.update["revision"] == 3
    # Unchanged template on the next sync reuses the latest revision.
    p4 = compute_revisions(s3, [dict(r1, revision=3), r2])
    assert p4.to_create is None and p4.to_update is None
    assert p4.update["metadata"]["name"] == r1["metadata"]["name"]


def test_name_collision_bumps_collision_count():
    s1 = make_set()
    squatter = new_revision(s1, 1, 0)
    squatter["data"] = {"spec": {"template": {"$patch": "replace", "other": True}}}
    plan = compute_revisions(s1, [squatter])
    assert plan.collision_count == 1
    assert plan.to_create["metadata"]["name"] != squatter["metadata"]["name"]


def test_history_truncation_keeps_live_revisions_and_the_limit():
    sts = make_set(history=1)
    revs = [dict(new_revision(with_image(sts, f"nginx:{i}"), i, 0)) for i in range(1, 6)]
    names = [r["metadata"]["name"] for r in revs]
    pods = [{"metadata": {"labels": {"controller-revision-hash": names[1]}}}]
    doomed = history_to_truncate(sts, revs, pods, revs[3], revs[4])
    # live: 2 (pod), 4 (current), 5 (update); history 1, 3 -> keep newest one (3).
    assert doomed == [names[0]]


def test_apply_revision_restores_the_recorded_template():
    s1 = make_set()
    rev = new_revision(s1, 1, 0)
    s2 = with_image(s1, "nginx:2")
    restored = apply_revision(s2, rev)
    assert restored["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1"
    assert "$patch" not in restored["spec"]["template"]
    assert s2["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:2"
