"""resourceVersion and uid preconditions on every write path: update, each patch type, delete."""

import pytest

from simk8s import Cluster
from simk8s.api.errors import BadRequest, Conflict, Invalid, kubectl_message
from simk8s.api.frozen import thaw
from simk8s.examples import WEB_YAML

STALE = ('Operation cannot be fulfilled on statefulsets.apps "web": the object has been modified; please apply '
         'your changes to the latest version and try again')


@pytest.fixture
def cluster():
    c = Cluster(seed=1)
    c.apply(WEB_YAML)
    c.settle()
    return c


def stale_rv(c):
    """A resourceVersion the set had before its last change."""
    rv = c.store.get("StatefulSet", "web")["metadata"]["resourceVersion"]
    c.patch("sts", "web", {"metadata": {"labels": {"touched": "yes"}}})
    return rv


def test_update_with_a_stale_resource_version_conflicts(cluster):
    rv = stale_rv(cluster)
    body = thaw(cluster.store.get("StatefulSet", "web"))
    body["metadata"]["resourceVersion"] = rv
    body["spec"]["replicas"] = 5
    before = cluster.store.get("StatefulSet", "web")
    with pytest.raises(Conflict) as info:
        cluster.store.update("StatefulSet", body)
    assert str(info.value) == STALE
    assert kubectl_message(info.value) == f"Error from server (Conflict): {STALE}"
    assert cluster.store.get("StatefulSet", "web") is before


@pytest.mark.parametrize("patch_type", ["strategic", "merge", "json"])
def test_every_patch_type_honours_a_stale_resource_version(cluster, patch_type):
    rv = stale_rv(cluster)
    before = cluster.store.get("StatefulSet", "web")
    patch = ({"metadata": {"resourceVersion": rv}, "spec": {"replicas": 5}} if patch_type != "json" else
             [{"op": "replace", "path": "/metadata/resourceVersion", "value": rv},
              {"op": "replace", "path": "/spec/replicas", "value": 5}])
    with pytest.raises(Conflict) as info:
        cluster.patch("sts", "web", patch, patch_type=patch_type)
    assert str(info.value) == STALE
    assert cluster.store.get("StatefulSet", "web") is before
    # The current resourceVersion (or none) applies.
    current = before["metadata"]["resourceVersion"]
    ok = ({"metadata": {"resourceVersion": current}, "spec": {"replicas": 5}} if patch_type != "json" else
          [{"op": "replace", "path": "/metadata/resourceVersion", "value": current},
           {"op": "replace", "path": "/spec/replicas", "value": 5}])
    assert cluster.patch("sts", "web", ok, patch_type=patch_type)["spec"]["replicas"] == 5


def test_a_status_patch_honours_it_too(cluster):
    rv = stale_rv(cluster)
    with pytest.raises(Conflict):
        cluster.store.patch("StatefulSet", "web", {"metadata": {"resourceVersion": rv}, "status": {"replicas": 9}},
                            patch_type="merge", subresource="status")


def test_kubectl_patch_with_a_stale_resource_version(cluster):
    rv = stale_rv(cluster)
    r = cluster.kubectl(["patch", "sts", "web", "--type=merge", "-p",
                         f'{{"metadata":{{"resourceVersion":"{rv}"}},"spec":{{"replicas":3}}}}'])
    assert r.code == 1
    assert r.stderr.strip() == f"Error from server (Conflict): {STALE}"


def test_apply_of_a_manifest_carrying_a_stale_resource_version_conflicts(cluster):
    rv = stale_rv(cluster)
    text = WEB_YAML.replace("metadata:\n  name: web\n", f'metadata:\n  name: web\n  resourceVersion: "{rv}"\n')
    with pytest.raises(Conflict):
        cluster.apply(text)


def test_unconditional_and_malformed_resource_versions(cluster):
    body = thaw(cluster.store.get("StatefulSet", "web"))
    body["spec"]["replicas"] = 4
    body["metadata"]["resourceVersion"] = "0"          # "" and "0" mean unconditional
    assert cluster.store.update("StatefulSet", body)["spec"]["replicas"] == 4
    body["metadata"]["resourceVersion"] = "abc"
    with pytest.raises(Invalid) as info:
        cluster.store.update("StatefulSet", body)
    assert str(info.value) == ('StatefulSet.apps "web" is invalid: resourceVersion: Invalid value: "abc": '
                               'strconv.ParseUint: parsing "abc": invalid syntax')


def test_an_update_naming_another_uid_conflicts(cluster):
    body = thaw(cluster.store.get("StatefulSet", "web"))
    uid = body["metadata"]["uid"]
    body["metadata"]["uid"] = "00000000-0000-4000-8000-000000000000"
    with pytest.raises(Conflict) as info:
        cluster.store.update("StatefulSet", body)
    assert str(info.value) == (
        'Operation cannot be fulfilled on statefulsets.apps "web": Precondition failed: UID in precondition: '
        f'00000000-0000-4000-8000-000000000000, UID in object meta: {uid}')


def test_a_patch_cannot_rename_or_move_the_object(cluster):
    with pytest.raises(BadRequest, match=r"the name of the object \(other\) does not match the name on the URL"):
        cluster.patch("sts", "web", {"metadata": {"name": "other"}}, patch_type="merge")
    with pytest.raises(BadRequest, match="the namespace of the object"):
        cluster.patch("sts", "web", {"metadata": {"namespace": "kube-system"}}, patch_type="merge")


def test_delete_preconditions(cluster):
    pod = cluster.store.get("Pod", "web-0")
    rv, uid = pod["metadata"]["resourceVersion"], pod["metadata"]["uid"]
    with pytest.raises(Conflict) as info:
        cluster.delete("pods", "web-0", resource_version="1")
    assert str(info.value) == ('Operation cannot be fulfilled on pods "web-0": Precondition failed: ResourceVersion '
                               f"in precondition: 1, ResourceVersion in object meta: {rv}")
    with pytest.raises(Conflict, match="Precondition failed: UID in precondition: nope"):
        cluster.delete("pods", "web-0", uid="nope")
    assert cluster.store.get("Pod", "web-0") is pod
    cluster.delete("pods", "web-0", uid=uid, resource_version=rv)
    assert cluster.store.get("Pod", "web-0")["metadata"].get("deletionTimestamp")
