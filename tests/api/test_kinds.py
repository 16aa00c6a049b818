import pytest

from simk8s.api import kinds


@pytest.mark.parametrize("typed,kind", [
    ("sts", "StatefulSet"), ("statefulset", "StatefulSet"), ("statefulsets", "StatefulSet"),
    ("StatefulSet", "StatefulSet"), ("statefulsets.apps", "StatefulSet"), ("statefulsets.v1.apps", "StatefulSet"),
    ("po", "Pod"), ("pods", "Pod"), ("pvc", "PersistentVolumeClaim"), ("pv", "PersistentVolume"),
    ("ep", "Endpoints"), ("endpoints", "Endpoints"), ("svc", "Service"), ("no", "Node"), ("ns", "Namespace"),
    ("sc", "StorageClass"), ("rs", "ReplicaSet"), ("deploy", "Deployment"), ("controllerrevisions", "ControllerRevision"),
    ("ev", "Event"), ("endpointslices", "EndpointSlice"), ("PODS", "Pod"),
])
def test_kubectl_style_names_resolve(typed, kind):
    assert kinds.resolve(typed).kind == kind


def test_unknown_names_and_wrong_groups_are_refused():
    with pytest.raises(kinds.UnknownKind) as e:
        kinds.resolve("foos")
    assert e.value.resource == "foos"
    with pytest.raises(kinds.UnknownKind):
        kinds.resolve("statefulsets.batch")


def test_kind_names_used_in_messages():
    sts = kinds.lookup("StatefulSet")
    assert (sts.api_version, sts.qualified_resource, sts.qualified_kind, sts.kubectl_name) == (
        "apps/v1", "statefulsets.apps", "StatefulSet.apps", "statefulset.apps")
    pod = kinds.lookup("Pod")
    assert (pod.api_version, pod.qualified_resource, pod.kubectl_name, pod.namespaced) == ("v1", "pods", "pod", True)
    assert not kinds.lookup("PersistentVolume").namespaced
    assert kinds.for_api_version("apps/v1", "StatefulSet") is sts
    assert kinds.for_api_version("apps/v1beta1", "StatefulSet") is None
