import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_manifest import WEB_YAML

from simk8s.api.frozen import freeze
from simk8s.api.manifest import load_manifests
from simk8s.api.patch import (
    KUBECTL_REJECTED,
    LAST_APPLIED,
    PatchError,
    annotate_last_applied,
    apply_patch,
    create_three_way_merge_patch,
    json_patch,
    last_applied_configuration,
    merge_patch,
    missing_annotation_warning,
    parse_patch,
    rejected_status,
    server_error,
    strategic_merge_patch,
)
from simk8s.api.yamlio import dump_yaml

# The StatefulSet half of the website's web.yaml, as the seed lab applies it.
WEB_STS_YAML = WEB_YAML.split("---\n", 1)[1]   # the StatefulSet document, comments and all


def web() -> dict[str, Any]:
    """The seed lab's StatefulSet, as applied."""
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "serviceName": "nginx",
            "replicas": 2,
            "selector": {"matchLabels": {"app": "nginx"}},
            "template": {
                "metadata": {"labels": {"app": "nginx"}},
                "spec": {"containers": [{
                    "name": "nginx",
                    "image": "registry.k8s.io/nginx-slim:0.24",
                    "ports": [{"containerPort": 80, "name": "web"}],
                    "volumeMounts": [{"name": "www", "mountPath": "/usr/share/nginx/html"}],
                }]},
            },
            "volumeClaimTemplates": [{
                "metadata": {"name": "www"},
                "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
            }],
        },
    }


def containers(obj: dict[str, Any]) -> list[dict[str, Any]]:
    return obj["spec"]["template"]["spec"]["containers"]


# ------------------------------------------------------------------------------------- merge patch

def test_merge_patch_scales_and_null_deletes_a_label() -> None:
    obj = freeze({"metadata": {"labels": {"app": "nginx", "tier": "web"}}, "spec": {"replicas": 2}})
    out = merge_patch(obj, {"metadata": {"labels": {"tier": None}}, "spec": {"replicas": 5}})
    assert out == {"metadata": {"labels": {"app": "nginx"}}, "spec": {"replicas": 5}}
    assert obj["spec"]["replicas"] == 2  # the input is untouched


def test_merge_patch_replaces_lists_whole() -> None:
    out = merge_patch(freeze(web()), {"spec": {"template": {"spec": {"containers": [{"name": "x"}]}}}})
    assert containers(out) == [{"name": "x"}]


# -------------------------------------------------------------------------------------- JSON patch

def test_json_patch_replaces_replicas_and_appends_with_dash() -> None:
    obj = freeze({"metadata": {"finalizers": ["a"]}, "spec": {"replicas": 2}})
    out = json_patch(obj, [
        {"op": "replace", "path": "/spec/replicas", "value": 3},
        {"op": "add", "path": "/metadata/finalizers/-", "value": "b"},
        {"op": "copy", "from": "/spec/replicas", "path": "/spec/old"},
        {"op": "move", "from": "/spec/old", "path": "/metadata/n"},
        {"op": "test", "path": "/metadata/n", "value": 3},
        {"op": "add", "path": "/metadata/finalizers/0", "value": "first"},
        {"op": "remove", "path": "/metadata/finalizers/2"},
    ])
    assert out == {"metadata": {"finalizers": ["first", "a"], "n": 3}, "spec": {"replicas": 3}}


def test_json_patch_escapes_slashes_in_label_keys() -> None:
    obj = {"metadata": {"labels": {"app.kubernetes.io/name": "web"}}}
    out = json_patch(obj, [{"op": "remove", "path": "/metadata/labels/app.kubernetes.io~1name"}])
    assert out == {"metadata": {"labels": {}}}


@pytest.mark.parametrize("op,message", [
    ({"op": "remove", "path": "/spec/foo"},
     "error in remove for path: '/spec/foo': Unable to remove nonexistent key: foo: missing value"),
    ({"op": "remove", "path": "/spec/foo/bar"},
     'remove operation does not apply: doc is missing path: "/spec/foo/bar": missing value'),
    ({"op": "replace", "path": "/spec/foo/bar", "value": 1},
     "replace operation does not apply: doc is missing path: /spec/foo/bar: missing value"),
    ({"op": "replace", "path": "/spec/list/5", "value": 1},
     "replace operation does not apply: doc is missing key: /spec/list/5: missing value"),
    ({"op": "add", "path": "/spec/foo/bar", "value": 1},
     'add operation does not apply: doc is missing path: "/spec/foo/bar": missing value'),
    ({"op": "add", "path": "/spec/list/3", "value": 1},
     "error in add for path: '/spec/list/3': Unable to access invalid index: 3: invalid index referenced"),
    ({"op": "test", "path": "/spec/replicas", "value": True}, "testing value /spec/replicas failed: test failed"),
    ({"op": "move", "from": "/spec/nope", "path": "/spec/x"},
     "error in move for path: 'nope': Unable to remove nonexistent key: nope: missing value"),
    ({"op": "frobnicate", "path": "/spec"}, "Unexpected kind: frobnicate"),
])
def test_json_patch_that_does_not_apply_is_rejected(op: dict[str, Any], message: str) -> None:
    with pytest.raises(PatchError) as info:
        json_patch({"spec": {"replicas": 1, "list": ["a"]}}, [op])
    assert str(info.value) == message
    # The server keeps none of that: 422 Invalid with a generic message, which kubectl prints.
    status = rejected_status(info.value)
    assert (status["code"], status["reason"]) == (422, "Invalid")
    assert status["message"] == "the server rejected our request due to an error in our request"
    assert KUBECTL_REJECTED == "The request is invalid: the server rejected our request due to an error in our request"


def test_json_patch_v4_quirks_replace_adds_missing_key_and_negative_index() -> None:
    out = json_patch({"spec": {"list": ["a", "b"]}}, [
        {"op": "replace", "path": "/spec/replicas", "value": 3},
        {"op": "remove", "path": "/spec/list/-1"},
        {"op": "test", "path": "/spec/missing", "value": None},
    ])
    assert out == {"spec": {"list": ["a"], "replicas": 3}}


# ------------------------------------------------------------------------------ strategic merge

def test_strategic_patch_changes_the_image_of_one_container_by_name() -> None:
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}}}}
    out = strategic_merge_patch(freeze(web()), patch, "StatefulSet")
    assert containers(out) == [{
        "name": "nginx", "image": "nginx:1.27", "ports": [{"containerPort": 80, "name": "web"}],
        "volumeMounts": [{"name": "www", "mountPath": "/usr/share/nginx/html"}],
    }]


def test_strategic_patch_puts_new_list_items_first_like_the_api_server() -> None:
    # mergeSlice orders the patch's items first when the server does not know them: the docs'
    # "kubectl patch" example shows the added container ahead of the existing one.
    patch = {"spec": {"template": {"spec": {"containers": [
        {"name": "nginx", "ports": [{"containerPort": 443, "name": "tls"}]},
        {"name": "sidecar", "image": "busybox"},
    ]}}}}
    out = strategic_merge_patch(web(), patch, "StatefulSet")
    assert [c["name"] for c in containers(out)] == ["nginx", "sidecar"]  # the patch's own order
    assert containers(out)[0]["ports"] == [{"containerPort": 443, "name": "tls"}, {"containerPort": 80, "name": "web"}]


def test_volume_claim_templates_and_tolerations_are_replaced_not_merged() -> None:
    out = strategic_merge_patch(web(), {"spec": {"volumeClaimTemplates": [{"metadata": {"name": "data"}}]}},
                                "StatefulSet")
    assert out["spec"]["volumeClaimTemplates"] == [{"metadata": {"name": "data"}}]
    pod = {"spec": {"tolerations": [{"key": "a", "operator": "Exists"}]}}
    out = strategic_merge_patch(pod, {"spec": {"tolerations": [{"key": "b", "operator": "Exists"}]}}, "Pod")
    assert out["spec"]["tolerations"] == [{"key": "b", "operator": "Exists"}]


def test_patch_directives_delete_replace_and_primitive_list_removal() -> None:
    obj = web()
    obj["metadata"]["finalizers"] = ["a", "b"]
    out = strategic_merge_patch(obj, {
        "metadata": {"finalizers": ["c"], "$deleteFromPrimitiveList/finalizers": ["a"]},
        "spec": {"selector": {"$patch": "replace", "matchLabels": {"app": "web"}},
                 "template": {"spec": {"containers": [{"name": "nginx", "$patch": "delete"}]}}},
    }, "StatefulSet")
    assert out["metadata"]["finalizers"] == ["c", "b"]
    assert out["spec"]["selector"] == {"matchLabels": {"app": "web"}}
    assert containers(out) == []


def test_a_new_container_alone_in_the_patch_goes_first() -> None:
    obj = {"spec": {"containers": [{"name": "patch-demo-ctr", "image": "nginx"}]}}
    out = strategic_merge_patch(obj, {"spec": {"containers": [{"name": "patch-demo-ctr-2", "image": "redis"}]}}, "Pod")
    assert [c["name"] for c in out["spec"]["containers"]] == ["patch-demo-ctr-2", "patch-demo-ctr"]


def test_set_element_order_reorders_merged_containers() -> None:
    obj = {"spec": {"containers": [{"name": "a"}, {"name": "b"}]}}
    out = strategic_merge_patch(obj, {"spec": {"$setElementOrder/containers": [{"name": "b"}, {"name": "a"}],
                                               "containers": [{"name": "b", "image": "x"}]}}, "Pod")
    assert out == {"spec": {"containers": [{"name": "b", "image": "x"}, {"name": "a"}]}}


def test_retain_keys_drops_fields_not_listed() -> None:
    obj = {"spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}}}
    out = strategic_merge_patch(obj, {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}},
                                "Deployment")
    assert out == {"spec": {"strategy": {"type": "Recreate"}}}


def test_status_conditions_merge_by_type() -> None:
    pod = {"status": {"conditions": [{"type": "Ready", "status": "False"}, {"type": "Initialized", "status": "True"}]}}
    out = strategic_merge_patch(pod, {"status": {"conditions": [{"type": "Ready", "status": "True"}]}}, "Pod")
    assert out["status"]["conditions"] == [{"type": "Ready", "status": "True"}, {"type": "Initialized", "status": "True"}]


def test_list_element_without_its_merge_key_is_a_bare_server_error() -> None:
    with pytest.raises(PatchError) as info:
        strategic_merge_patch(web(), {"spec": {"template": {"spec": {"containers": [{"image": "x"}]}}}},
                              "StatefulSet")
    assert str(info.value) == "map: map[image:x] does not contain declared merge key: name"
    status = server_error(info.value, "strategic").status
    assert (status["code"], status["reason"], status["message"]) == (500, "", str(info.value))


def test_malformed_retain_keys_is_a_bad_request() -> None:
    with pytest.raises(PatchError) as info:
        strategic_merge_patch({"spec": {"strategy": {}}}, {"spec": {"strategy": {"$retainKeys": ["type"], "x": 1}}},
                              "Deployment")
    assert server_error(info.value, "strategic").status["code"] == 400
    assert str(info.value) == "invalid patch format of retainKeys"


# ------------------------------------------------------------------------------ kubectl apply

def test_three_way_patch_changes_image_and_deletes_dropped_field() -> None:
    original = web()
    modified = web()
    containers(modified)[0]["image"] = "nginx:1.27"
    del modified["spec"]["serviceName"]
    live = web()
    live["status"] = {"replicas": 2}
    live["spec"]["podManagementPolicy"] = "OrderedReady"  # defaulted by the server: left alone
    patch = create_three_way_merge_patch(original, modified, live, "StatefulSet")
    assert json.dumps(patch, sort_keys=True, separators=(",", ":")) == (
        '{"spec":{"serviceName":null,"template":{"spec":{"$setElementOrder/containers":[{"name":"nginx"}],'
        '"containers":[{"image":"nginx:1.27","name":"nginx"}]}}}}')


def test_three_way_patch_deletes_a_removed_container_and_env_var() -> None:
    original = web()
    containers(original).append({"name": "side", "image": "busybox"})
    containers(original)[0]["env"] = [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]
    modified = web()
    containers(modified)[0]["env"] = [{"name": "A", "value": "1"}]
    patch = create_three_way_merge_patch(original, modified, original, "StatefulSet")
    assert patch == {"spec": {"template": {"spec": {
        "$setElementOrder/containers": [{"name": "nginx"}],
        "containers": [
            {"name": "nginx", "$setElementOrder/env": [{"name": "A"}], "env": [{"name": "B", "$patch": "delete"}]},
            {"name": "side", "$patch": "delete"},
        ],
    }}}}
    out = strategic_merge_patch(original, patch, "StatefulSet")
    assert containers(out) == containers(modified)


def test_apply_twice_is_unchanged_and_keeps_server_fields() -> None:
    live = web()
    live["metadata"]["uid"] = "u-1"
    live["status"] = {"replicas": 2}
    first, changed = apply_patch(live, None, web(), "StatefulSet")
    assert changed
    assert first["status"] == {"replicas": 2} and first["metadata"]["uid"] == "u-1"
    annotation = first["metadata"]["annotations"][LAST_APPLIED]
    assert annotation.startswith('{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"annotations":{},'
                                 '"name":"web","namespace":"default"},"spec":{"replicas":2,')
    assert annotation.endswith("}\n")
    second, changed = apply_patch(first, annotation, web(), "StatefulSet")
    assert not changed and second == first


def test_apply_scale_down_after_manual_patch_uses_the_manifest() -> None:
    live, _ = apply_patch(web(), None, web(), "StatefulSet")
    live["spec"]["replicas"] = 5  # kubectl scale
    new = web()
    new["spec"]["replicas"] = 3
    out, changed = apply_patch(live, live["metadata"]["annotations"][LAST_APPLIED], new, "StatefulSet")
    assert changed and out["spec"]["replicas"] == 3


def test_created_object_carries_its_own_last_applied_configuration() -> None:
    created = annotate_last_applied({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "nginx"}})
    assert created["metadata"]["annotations"] == {LAST_APPLIED: '{"apiVersion":"v1","kind":"Service",'
                                                  '"metadata":{"annotations":{},"name":"nginx"}}\n'}


def test_last_applied_configuration_escapes_html_like_go() -> None:
    text = last_applied_configuration({"kind": "ConfigMap", "data": {"a": "<b>&"}})
    assert text == '{"data":{"a":"\\u003cb\\u003e\\u0026"},"kind":"ConfigMap","metadata":{"annotations":{}}}\n'


# ------------------------------------------------------------------------------------ kubectl -p

def test_parse_patch_accepts_json_and_yaml() -> None:
    assert parse_patch('{"spec":{"replicas":3}}') == {"spec": {"replicas": 3}}
    replicas = parse_patch('{"spec":{"replicas":3e0}}')["spec"]["replicas"]
    assert replicas == 3 and isinstance(replicas, int)
    assert parse_patch("spec:\n  replicas: 3\n  paused: yes") == {"spec": {"replicas": 3, "paused": True}}


def test_parse_patch_reports_yaml_errors_like_kubectl() -> None:
    with pytest.raises(PatchError) as info:
        parse_patch("spec: replicas: 3")
    # go-yaml leaves the line out when the problem is on the first line (line index 0).
    assert str(info.value) == 'unable to parse "spec: replicas: 3": yaml: mapping values are not allowed in this context'
    with pytest.raises(PatchError) as info:
        parse_patch("spec:\n  a: b: c")
    assert str(info.value).endswith(': yaml: line 2: mapping values are not allowed in this context')


def test_reapplying_a_statefulset_whose_claim_templates_were_defaulted_is_configured_again() -> None:
    # volumeClaimTemplates is an atomic list: server defaults inside it differ from the manifest,
    # so every apply sends the whole list again (kubernetes/kubernetes#66450).
    live, _ = apply_patch(web(), None, web(), "StatefulSet")
    template = live["spec"]["volumeClaimTemplates"][0]
    template.update({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "status": {"phase": "Pending"}})
    template["spec"]["volumeMode"] = "Filesystem"
    again, changed = apply_patch(live, live["metadata"]["annotations"][LAST_APPLIED], web(), "StatefulSet")
    assert changed
    assert again["spec"]["volumeClaimTemplates"] == web()["spec"]["volumeClaimTemplates"]


def test_apply_over_an_object_created_without_apply_warns() -> None:
    assert missing_annotation_warning("statefulsets", "web") == (
        "Warning: resource statefulsets/web is missing the kubectl.kubernetes.io/last-applied-configuration "
        "annotation which is required by kubectl apply. kubectl apply should only be used on resources created "
        "declaratively by either kubectl create --save-config or kubectl apply. The missing annotation will be "
        "patched automatically.")


def test_web_yaml_statefulset_shows_its_last_applied_configuration_in_get_yaml() -> None:
    sts, = load_manifests(WEB_STS_YAML, "web.yaml")
    sts["metadata"]["namespace"] = "default"  # kubectl fills in the namespace before applying
    created = annotate_last_applied(sts)
    expected_json = (
        '{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"annotations":{},"name":"web",'
        '"namespace":"default"},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"nginx"}},'
        '"serviceName":"nginx","template":{"metadata":{"labels":{"app":"nginx"}},"spec":{"containers":'
        '[{"image":"k8s.gcr.io/nginx-slim:0.8","name":"nginx","ports":[{"containerPort":80,"name":"web"}],'
        '"volumeMounts":[{"mountPath":"/usr/share/nginx/html","name":"www"}]}],'
        '"terminationGracePeriodSeconds":10}},"volumeClaimTemplates":[{"metadata":{"name":"www"},'
        '"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}]}}\n')
    assert created["metadata"]["annotations"][LAST_APPLIED] == expected_json
    assert dump_yaml({"metadata": created["metadata"]}).startswith(
        "metadata:\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: |\n"
        '      {"apiVersion":"apps/v1","kind":"StatefulSet",')


def test_switching_deployment_strategy_to_recreate_sends_retain_keys() -> None:
    rolling = {"spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}}}
    recreate = {"spec": {"strategy": {"type": "Recreate"}}}
    patch = create_three_way_merge_patch(rolling, recreate, rolling, "Deployment")
    assert json.dumps(patch, sort_keys=True, separators=(",", ":")) == (
        '{"spec":{"strategy":{"$retainKeys":["type"],"rollingUpdate":null,"type":"Recreate"}}}')
    assert strategic_merge_patch(rolling, patch, "Deployment") == recreate


def test_changing_a_volume_source_drops_the_old_one() -> None:
    old = {"spec": {"volumes": [{"name": "www", "emptyDir": {}}]}}
    new = {"spec": {"volumes": [{"name": "www", "persistentVolumeClaim": {"claimName": "x"}}]}}
    patch = create_three_way_merge_patch(old, new, old, "Pod")
    assert patch["spec"]["volumes"][0]["$retainKeys"] == ["name", "persistentVolumeClaim"]
    assert strategic_merge_patch(old, patch, "Pod") == new


# ------------------------------------------------------------------------------ properties

_names = st.sampled_from(["a", "b", "c", "d"])
_env = st.lists(st.fixed_dictionaries({"name": _names, "value": st.sampled_from(["1", "2"])}),
                max_size=3, unique_by=lambda e: e["name"])
_container = st.fixed_dictionaries({"name": _names, "image": st.sampled_from(["x:1", "x:2"])},
                                   optional={"env": _env, "args": st.lists(st.sampled_from(["-v", "-q"]), max_size=2)})
_manifest = st.fixed_dictionaries({
    "metadata": st.fixed_dictionaries({"name": st.just("p")}, optional={
        "labels": st.dictionaries(_names, st.sampled_from(["1", "2"]), max_size=3),
        "finalizers": st.lists(_names, max_size=3, unique=True),
    }),
    "spec": st.fixed_dictionaries({
        "containers": st.lists(_container, min_size=1, max_size=3, unique_by=lambda c: c["name"]),
    }, optional={"restartPolicy": st.sampled_from(["Always", "Never"])}),
})


@settings(max_examples=150, deadline=None)
@given(first=_manifest, second=_manifest)
def test_apply_converges_to_the_manifest_and_reapplying_is_unchanged(first: dict[str, Any],
                                                                     second: dict[str, Any]) -> None:
    live = annotate_last_applied(first)
    live["status"] = {"phase": "Running"}  # fields only the server sets survive every apply
    live, _ = apply_patch(live, live["metadata"]["annotations"][LAST_APPLIED], second, "Pod")
    assert live["status"] == {"phase": "Running"}
    assert live["spec"] == second["spec"]
    assert {k: v for k, v in live["metadata"].items() if k != "annotations"} == second["metadata"]
    again, changed = apply_patch(live, live["metadata"]["annotations"][LAST_APPLIED], second, "Pod")
    assert not changed and again == live
