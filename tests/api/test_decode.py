"""Typed decoding: every wrong type, range and shape is refused with the API server's words and
the store is left as it was."""

import copy

import pytest
import yaml

from simk8s import Cluster
from simk8s.api.decode import DecodeError, convert, decode, go_v
from simk8s.api.errors import ApiError, BadRequest, Invalid, RequestEntityTooLarge, kubectl_message
from simk8s.api.limits import MAX_DEPTH
from simk8s.api.openapi import openapi_v2_schema, openapi_v3_schema
from simk8s.examples import WEB_YAML

SERVICE, STS = yaml.safe_load_all(WEB_YAML)
PREFIX = 'StatefulSet in version "v1" cannot be handled as a StatefulSet: '
QUANTITY_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"


def sts(**changes):
    obj = copy.deepcopy(STS)
    for path, value in changes.items():
        cur = obj
        keys = path.split("__")
        for key in keys[:-1]:
            cur = cur[int(key)] if isinstance(cur, list) else cur[key]
        cur[keys[-1]] = value
    return obj


def container(obj):
    return obj["spec"]["template"]["spec"]["containers"][0]


def refused(obj, kind=BadRequest):
    """Create ``obj`` in a fresh cluster: the error, after checking nothing was stored."""
    c = Cluster(seed=1)
    before = c.store.resource_version
    with pytest.raises(kind) as info:
        c.store.create("StatefulSet", obj)
    assert c.store.resource_version == before
    assert c.store.try_get("StatefulSet", "web") is None
    return str(info.value)


@pytest.mark.parametrize(("value", "what"), [
    ("two", "string"), ("3", "string"), (1.5, "number 1.5"), (True, "bool"),
    (2147483648, "number 2147483648"), (-2147483649, "number -2147483649"), ([1], "array"), ({}, "object"),
])
def test_replicas_of_the_wrong_type_or_range_are_refused(value, what):
    assert refused(sts(spec__replicas=value)) == (
        f"{PREFIX}json: cannot unmarshal {what} into Go struct field StatefulSetSpec.spec.replicas of type int32")


def test_null_replicas_is_absent_and_defaults_to_one_as_upstream():
    c = Cluster(seed=1)
    c.apply(sts(spec__replicas=None))
    assert c.get("sts", "web")["spec"]["replicas"] == 1


def test_an_integral_float_is_an_integer_on_the_wire():
    c = Cluster(seed=1)
    c.store.create("StatefulSet", sts(spec__replicas=3.0))
    assert c.get("sts", "web")["spec"]["replicas"] == 3


@pytest.mark.parametrize(("change", "message"), [
    ({"metadata": ["x"]}, "json: cannot unmarshal array into Go struct field StatefulSet.metadata of type v1.ObjectMeta"),
    ({"spec__template__spec__containers": {"name": "x"}},
     "json: cannot unmarshal object into Go struct field PodSpec.spec.template.spec.containers of type []v1.Container"),
    ({"spec__template__spec__containers__0__ports__0__containerPort": "abc"},
     "json: cannot unmarshal string into Go struct field ContainerPort.spec.template.spec.containers.ports."
     "containerPort of type int32"),
    ({"spec__template__spec__containers__0__ports__0__containerPort": 4294967376},
     "json: cannot unmarshal number 4294967376 into Go struct field ContainerPort.spec.template.spec.containers."
     "ports.containerPort of type int32"),
    ({"spec__template__metadata__labels__app": 1},
     "json: cannot unmarshal number into Go struct field ObjectMeta.spec.template.metadata.labels of type string"),
    ({"spec__template__spec__containers__0__imagePullPolicy": 1},
     "json: cannot unmarshal number into Go struct field Container.spec.template.spec.containers.imagePullPolicy "
     "of type v1.PullPolicy"),
    ({"spec__volumeClaimTemplates__0__spec__resources__requests__storage": "lots"}, QUANTITY_ERROR),
    ({"spec__volumeClaimTemplates__0__spec__resources__requests__storage": True}, QUANTITY_ERROR),
    ({"metadata__creationTimestamp": 5},
     "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.creationTimestamp of type string"),
])
def test_shapes_and_types_are_refused_with_the_decoders_message(change, message):
    assert refused(sts(**change)) == PREFIX + message


def test_the_first_mismatch_in_document_order_is_reported():
    obj = sts(spec__replicas="x")
    obj["spec"]["template"]["metadata"]["labels"]["app"] = 1
    assert refused(obj).endswith("StatefulSetSpec.spec.replicas of type int32")


def test_a_type_with_its_own_decoding_stops_at_once():
    obj = sts(spec__replicas="x")
    obj["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] = "lots"
    assert refused(obj) == PREFIX + QUANTITY_ERROR


def test_int_or_string_values_decode_their_number_themselves():
    svc = copy.deepcopy(SERVICE)
    svc["spec"]["ports"][0]["targetPort"] = True
    c = Cluster(seed=1)
    with pytest.raises(BadRequest) as info:
        c.store.create("Service", svc)
    assert str(info.value) == ('Service in version "v1" cannot be handled as a Service: json: cannot unmarshal bool '
                               'into Go struct field ServicePort.spec.ports.targetPort of type int32')


def test_unknown_fields_are_reported_after_the_types_check():
    obj = sts(spec__replica=3)
    assert refused(obj) == PREFIX + 'strict decoding error: unknown field "spec.replica"'
    obj["spec"]["replicas"] = "x"
    assert "cannot unmarshal string" in refused(obj)


def test_deeply_nested_and_huge_documents_are_refused():
    deep: dict = {}
    cur = deep
    for _ in range(MAX_DEPTH * 3):
        cur["a"] = {}
        cur = cur["a"]
    obj = sts()
    container(obj)["lifecycle"] = deep
    assert refused(obj) == PREFIX + "exceeded max depth"
    big = sts()
    big["metadata"]["annotations"] = {"a": "x" * (3 * 1024 * 1024)}
    assert refused(big, RequestEntityTooLarge) == "Request entity too large: limit is 3145728"


def test_pod_template_validation_follows_upstream():
    """Pods, Deployments and ReplicaSets validate their pod spec; StatefulSets do not (upstream's
    ValidatePodTemplateSpecForStatefulSet), so a bad template fails the pods, not the set."""
    c = Cluster(seed=1)
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
           "spec": {"containers": [{"name": "C", "image": "nginx", "imagePullPolicy": "Sometimes",
                                    "ports": [{"containerPort": 70000}]}]}}
    with pytest.raises(Invalid) as info:
        c.create(pod)
    assert kubectl_message(info.value) == (
        'The Pod "p" is invalid: \n'
        "* spec.containers[0].name: Invalid value: \"C\": a lowercase RFC 1123 label must consist of lower case "
        "alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  "
        "or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')\n"
        "* spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive\n"
        '* spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", '
        '"IfNotPresent", "Never"')
    pod["spec"]["containers"] = []
    with pytest.raises(Invalid, match=r"spec\.containers: Required value"):
        c.create(pod)
    assert c.store.try_get("Pod", "p") is None
    bad = sts()
    container(bad)["name"] = "C"
    c.apply(bad)
    c.run(5)
    assert c.store.list("Pod", "default") == []
    events = [e["message"] for e in c.store.list("Event", "default") if e["reason"] == "FailedCreate"]
    assert events and 'Pod "web-0" is invalid: spec.containers[0].name: Invalid value: "C"' in events[0]


# ------------------------------------------------------------------------------------ patches


def stored_web():
    c = Cluster(seed=1)
    c.apply(WEB_YAML)
    c.run(1)
    return c, c.store.get("StatefulSet", "web")


def test_a_strategic_patch_goes_through_the_converter():
    c, before = stored_web()
    with pytest.raises(Invalid) as info:
        c.patch("sts", "web", {"spec": {"replicas": "two"}})
    assert kubectl_message(info.value) == (
        'The request is invalid: patch: Invalid value: "map[spec:map[replicas:two]]": unrecognized type: int32')
    with pytest.raises(Invalid, match="cannot convert int64 to string"):
        c.patch("sts", "web", {"spec": {"template": {"metadata": {"labels": {"app": 5}}}}})
    with pytest.raises(Invalid, match=f"{QUANTITY_ERROR[:30]}"):
        c.patch("pvc", "www-web-0", {"spec": {"resources": {"requests": {"storage": "lots"}}}})
    assert c.store.get("StatefulSet", "web") is before


def test_a_strategic_patch_narrows_integers_as_go_does():
    c, _ = stored_web()
    with pytest.raises(Invalid) as info:
        c.patch("sts", "web", {"spec": {"replicas": 2**32 - 1}})
    assert str(info.value).endswith("spec.replicas: Invalid value: -1: must be greater than or equal to 0")


def test_merge_and_json_patches_go_through_the_json_decoder():
    c, before = stored_web()
    with pytest.raises(Invalid) as info:
        c.patch("sts", "web", {"spec": {"replicas": "two"}}, patch_type="merge")
    text = kubectl_message(info.value)
    assert text.startswith('The request is invalid: patch: Invalid value: "{\\"apiVersion\\":\\"apps/v1\\"')
    assert text.endswith("json: cannot unmarshal string into Go struct field StatefulSetSpec.spec.replicas of "
                         "type int32")
    with pytest.raises(Invalid, match=r"number 1\.5"):
        c.patch("sts", "web", [{"op": "replace", "path": "/spec/replicas", "value": 1.5}], patch_type="json")
    assert c.store.get("StatefulSet", "web") is before


def test_kubectl_apply_of_a_wrong_type_prints_the_servers_error():
    c, _ = stored_web()
    bad = WEB_YAML.replace("replicas: 2", "replicas: two")
    r = c.kubectl(["apply", "-f", "-"], stdin=bad)
    assert r.code == 1
    assert "cannot unmarshal string into Go struct field StatefulSetSpec.spec.replicas of type int32" in r.stderr \
        or "unrecognized type: int32" in r.stderr
    fresh = Cluster(seed=1)
    r = fresh.kubectl(["apply", "-f", "-"], stdin=bad)
    assert ('Error from server (BadRequest): error when creating "STDIN": StatefulSet in version "v1" cannot be '
            'handled as a StatefulSet: json: cannot unmarshal string into Go struct field StatefulSetSpec.spec.'
            'replicas of type int32') in r.stderr


# ------------------------------------------------------------------------------ the decoders


def test_decode_drops_nulls_and_keeps_the_rest():
    out, unknown = decode("StatefulSet", {"apiVersion": "apps/v1", "kind": "StatefulSet",
                                          "metadata": {"name": "w", "labels": {"a": None}},
                                          "spec": {"replicas": None, "template": {"spec": {"containers": [None]}}},
                                          "extra": 1})
    assert out == {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "w", "labels": {"a": ""}},
                   "spec": {"template": {"spec": {"containers": [{}]}}}}
    assert unknown == ["extra"]


def test_convert_reports_in_go_struct_order_and_sorts_unknown_fields():
    # PodSpec declares volumes before containers: the converter meets volumes first.
    with pytest.raises(DecodeError, match="cannot restore slice from string"):
        convert("Pod", {"spec": {"containers": {}, "volumes": "x"}})
    with pytest.raises(DecodeError, match=r"cannot unmarshal object into Go struct field PodSpec\.spec\.containers"):
        decode("Pod", {"spec": {"containers": {}, "volumes": "x"}})
    _, unknown = convert("Pod", {"spec": {"zz": 1, "aa": 2}})
    assert unknown == ["spec.aa", "spec.zz"]


def test_go_v_prints_like_fmt():
    assert go_v({"b": [1, 2.5, None, True], "a": {"x": "y"}}) == "map[a:map[x:y] b:[1 2.5 <nil> true]]"


def test_apierrors_are_what_every_refusal_raises():
    assert issubclass(RequestEntityTooLarge, ApiError)


# ------------------------------------------------------------------------------------ openapi


def test_openapi_v3_schema_of_a_statefulset():
    s = openapi_v3_schema("statefulsets")
    spec = s["properties"]["spec"]
    assert s["x-kubernetes-group-version-kind"] == [{"group": "apps", "version": "v1", "kind": "StatefulSet"}]
    assert spec["required"] == ["selector", "template"]
    assert spec["properties"]["replicas"] == {"type": "integer", "format": "int32", "minimum": 0}
    c0 = spec["properties"]["template"]["properties"]["spec"]["properties"]["containers"]["items"]
    assert c0["required"] == ["name"]
    assert c0["properties"]["imagePullPolicy"]["enum"] == ["Always", "IfNotPresent", "Never"]
    assert c0["properties"]["ports"]["items"]["properties"]["protocol"]["enum"] == ["SCTP", "TCP", "UDP"]
    labels = spec["properties"]["template"]["properties"]["metadata"]["properties"]["labels"]
    assert labels == {"type": "object", "additionalProperties": {"type": "string"}}
    storage = spec["properties"]["volumeClaimTemplates"]["items"]["properties"]["spec"]["properties"]["resources"]
    assert storage["properties"]["requests"]["additionalProperties"]["x-kubernetes-int-or-string"] is True


def test_openapi_v2_schema_formats():
    s = openapi_v2_schema("Service")
    port = s["properties"]["spec"]["properties"]["ports"]["items"]["properties"]
    assert port["targetPort"] == {"type": "string", "format": "int-or-string"}
    assert port["port"] == {"type": "integer", "format": "int32"}


def test_a_claim_template_without_a_name_is_stored_and_its_claims_fail_as_upstream():
    c = Cluster(seed=1)
    bad = sts()
    bad["spec"]["volumeClaimTemplates"][0]["metadata"] = {}
    c.apply(bad)
    c.run(30)
    events = [e["message"] for e in c.store.list("Event", "default") if e["reason"] == "FailedCreate"]
    assert any('PersistentVolumeClaim "-web-0" is invalid: metadata.name: Invalid value: "-web-0"' in e
               for e in events)
    assert "Name:" in c.kubectl("describe sts web").stdout


def test_an_unvalidated_template_with_missing_fields_prints():
    """A set's template may lack a container name, a port number or a mount path (upstream stores
    it); get -o wide and describe print it as kubectl does, with empty values."""
    c = Cluster(seed=1)
    bad = sts()
    del container(bad)["name"]
    del container(bad)["ports"][0]["containerPort"]
    del container(bad)["volumeMounts"][0]["mountPath"]
    c.apply(bad)
    c.run(5)
    assert c.kubectl("get sts web -o wide").code == 0
    out = c.kubectl("describe sts web")
    assert out.code == 0 and " from www (rw)" in out.stdout
