import pytest

from simk8s.api import kinds
from simk8s.api.defaults import apply_defaults
from simk8s.api.schema import (
    strict_decoding_error,
    strict_decoding_message,
    unknown_field_warnings,
    unknown_fields,
)
from tests.api.test_defaults import web_sts

STS = kinds.lookup("StatefulSet")


def test_a_defaulted_statefulset_has_no_unknown_fields():
    sts = web_sts()
    apply_defaults(STS, sts)
    sts["status"] = {"replicas": 0}
    assert unknown_fields(STS, sts) == []


def test_misspelled_fields_are_reported_with_their_paths():
    sts = web_sts()
    sts["spec"]["replica"] = 3
    sts["spec"]["template"]["spec"]["containers"][0]["imagePullPolcy"] = "Always"
    # Document order: "replica" was added after "template".
    assert unknown_fields(STS, sts) == ["spec.template.spec.containers[0].imagePullPolcy", "spec.replica"]


def test_strict_decoding_message_matches_the_api_server():
    assert strict_decoding_message(STS, ["spec.replica"]) == (
        'StatefulSet in version "v1" cannot be handled as a StatefulSet: strict decoding error: '
        'unknown field "spec.replica"'
    )
    assert strict_decoding_message(STS, ["spec.a", "spec.b"]).endswith(
        'strict decoding error: unknown field "spec.a", unknown field "spec.b"'
    )


def test_free_key_maps_accept_any_key():
    sts = web_sts()
    sts["metadata"]["labels"] = {"anything/goes": "x"}
    sts["spec"]["selector"]["matchLabels"]["whatever"] = "y"
    sts["spec"]["template"]["spec"]["nodeSelector"] = {"kubernetes.io/hostname": "k8s-w1"}
    sts["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["custom"] = "1"
    assert unknown_fields(STS, sts) == []


@pytest.mark.parametrize(
    "kind,obj,expected",
    [
        (
            "Service",
            {"spec": {"ports": [{"port": 80, "targetport": 80}], "clusterIp": "None"}},
            ["spec.ports[0].targetport", "spec.clusterIp"],
        ),
        ("PersistentVolumeClaim", {"spec": {"accessMode": ["ReadWriteOnce"]}}, ["spec.accessMode"]),
        ("StorageClass", {"provisioner": "x", "bindingMode": "Immediate"}, ["bindingMode"]),
        ("Pod", {"metadata": {"name": "p", "label": {}}}, ["metadata.label"]),
        ("Deployment", {"spec": {"strategy": {"rollingupdate": {}}}}, ["spec.strategy.rollingupdate"]),
        ("Namespace", {"spec": {"finalizers": ["kubernetes"]}}, []),
        ("Event", {"involvedObject": {"kind": "Pod", "nam": "x"}}, ["involvedObject.nam"]),
    ],
)
def test_other_kinds(kind, obj, expected):
    assert unknown_fields(kinds.lookup(kind), obj) == expected


def test_defaulted_objects_of_other_kinds_are_known():
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": "default"},
        "spec": {
            "containers": [{"name": "c", "image": "busybox", "readinessProbe": {"httpGet": {"port": 80}}}],
            "volumes": [{"name": "v"}],
        },
    }
    apply_defaults(kinds.lookup("Pod"), pod)
    assert unknown_fields(kinds.lookup("Pod"), pod) == []
    svc = {"metadata": {"name": "s"}, "spec": {"type": "LoadBalancer", "ports": [{"port": 80}]}}
    apply_defaults(kinds.lookup("Service"), svc)
    assert unknown_fields(kinds.lookup("Service"), svc) == []


def test_warn_mode_words_each_unknown_field():
    assert unknown_field_warnings(["spec.replica"]) == ['unknown field "spec.replica"']


def test_strict_decoding_error_is_a_bad_request():
    sts = web_sts()
    assert strict_decoding_error(STS, sts) is None
    sts["spec"]["replica"] = 3
    err = strict_decoding_error(STS, sts)
    assert err is not None and err.status["code"] == 400
    assert str(err).endswith('strict decoding error: unknown field "spec.replica"')
