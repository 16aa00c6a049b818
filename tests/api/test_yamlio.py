from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from simk8s.api.frozen import freeze
from simk8s.api.yamlinput import yaml_to_json
from simk8s.api.yamlio import as_list, dump_json, dump_yaml, encode_json, go_float, sorted_keys

LAST_APPLIED = ('{"apiVersion":"v1","kind":"Service","metadata":{"annotations":{},"labels":{"app":"nginx"},'
                '"name":"nginx","namespace":"default"},"spec":{"clusterIP":"None","ports":[{"name":"web",'
                '"port":80}],"selector":{"app":"nginx"}}}\n')


def web_0() -> dict[str, Any]:
    """web-0 as the API server holds it (fields in the API's own order, not sorted)."""
    return {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {
            "name": "web-0",
            "generateName": "web-",
            "namespace": "default",
            "uid": "5d4c7e5a-0b1f-4c3e-9a57-3f0b8f1c2d3e",
            "resourceVersion": "1062",
            "creationTimestamp": "2024-01-01T00:00:00Z",
            "labels": {
                "app": "nginx",
                "apps.kubernetes.io/pod-index": "0",
                "controller-revision-hash": "web-6bc7b4dd7",
                "statefulset.kubernetes.io/pod-name": "web-0",
            },
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "web",
                                 "uid": "0a7b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "controller": True,
                                 "blockOwnerDeletion": True}],
        },
        "spec": {
            "volumes": [{"name": "www", "persistentVolumeClaim": {"claimName": "www-web-0"}}],
            "containers": [{
                "name": "nginx",
                "image": "registry.k8s.io/nginx-slim:0.24",
                "ports": [{"name": "web", "containerPort": 80, "protocol": "TCP"}],
                "resources": {},
                "volumeMounts": [{"name": "www", "mountPath": "/usr/share/nginx/html"}],
                "terminationMessagePath": "/dev/termination-log",
                "imagePullPolicy": "IfNotPresent",
            }],
            "hostname": "web-0",
            "subdomain": "nginx",
            "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists",
                             "effect": "NoExecute", "tolerationSeconds": 300}],
        },
        "status": {
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": "True", "lastProbeTime": None,
                            "lastTransitionTime": "2024-01-01T00:00:18Z"}],
            "podIP": "172.16.1.2",
            "qosClass": "BestEffort",
        },
    }


WEB_0_YAML = """\
apiVersion: v1
kind: Pod
metadata:
  creationTimestamp: "2024-01-01T00:00:00Z"
  generateName: web-
  labels:
    app: nginx
    apps.kubernetes.io/pod-index: "0"
    controller-revision-hash: web-6bc7b4dd7
    statefulset.kubernetes.io/pod-name: web-0
  name: web-0
  namespace: default
  ownerReferences:
  - apiVersion: apps/v1
    blockOwnerDeletion: true
    controller: true
    kind: StatefulSet
    name: web
    uid: 0a7b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d
  resourceVersion: "1062"
  uid: 5d4c7e5a-0b1f-4c3e-9a57-3f0b8f1c2d3e
spec:
  containers:
  - image: registry.k8s.io/nginx-slim:0.24
    imagePullPolicy: IfNotPresent
    name: nginx
    ports:
    - containerPort: 80
      name: web
      protocol: TCP
    resources: {}
    terminationMessagePath: /dev/termination-log
    volumeMounts:
    - mountPath: /usr/share/nginx/html
      name: www
  hostname: web-0
  subdomain: nginx
  tolerations:
  - effect: NoExecute
    key: node.kubernetes.io/not-ready
    operator: Exists
    tolerationSeconds: 300
  volumes:
  - name: www
    persistentVolumeClaim:
      claimName: www-web-0
status:
  conditions:
  - lastProbeTime: null
    lastTransitionTime: "2024-01-01T00:00:18Z"
    status: "True"
    type: Ready
  phase: Running
  podIP: 172.16.1.2
  qosClass: BestEffort
"""


def test_pod_yaml_is_sorted_with_unindented_lists_and_quoted_look_alikes() -> None:
    assert dump_yaml(freeze(web_0())) == WEB_0_YAML


def test_last_applied_annotation_prints_as_a_literal_block() -> None:
    obj = {"metadata": {"annotations": {"kubectl.kubernetes.io/last-applied-configuration": LAST_APPLIED}}}
    assert dump_yaml(obj) == (
        "metadata:\n"
        "  annotations:\n"
        "    kubectl.kubernetes.io/last-applied-configuration: |\n"
        f"      {LAST_APPLIED}")


def test_strings_are_quoted_only_when_they_would_read_as_something_else() -> None:
    obj = {"a": "80", "b": "true", "c": "yes", "d": "", "e": "null", "f": "1.5", "g": "0x1F",
           "h": "2024-01-01", "i": "nginx:1.27", "j": "a: b", "k": "- x", "l": " lead", "m": "*x",
           "n": "héllo", "o": "tab\there", "p": "#c", "q": "1.2.3", "r": "~"}
    assert dump_yaml(obj) == (
        'a: "80"\nb: "true"\nc: "yes"\nd: ""\ne: "null"\nf: "1.5"\ng: "0x1F"\nh: "2024-01-01"\n'
        "i: nginx:1.27\nj: 'a: b'\nk: '- x'\nl: ' lead'\nm: '*x'\n\"n\": héllo\no: \"tab\\there\"\n"
        "p: '#c'\nq: 1.2.3\nr: \"~\"\n")


def test_timestamps_and_base_60_look_alikes_follow_go_yaml_layouts() -> None:
    obj = {"a": "2024-01-01T00:00:00", "b": "2024-1-2 3:4:5", "c": "12:30", "d": "8080:80", "e": "2024-13-01",
           "f": "2024-01-01T00:00:00.5+02:00"}
    assert dump_yaml(obj) == ('a: 2024-01-01T00:00:00\nb: "2024-1-2 3:4:5"\nc: "12:30"\nd: 8080:80\n'
                              'e: 2024-13-01\nf: "2024-01-01T00:00:00.5+02:00"\n')


def test_characters_outside_the_bmp_force_double_quotes() -> None:
    assert dump_yaml({"a": "hi 😀"}) == 'a: "hi \\U0001F600"\n'


def test_numbers_bools_nulls_and_empty_collections() -> None:
    obj = {"int": 3, "float": 1.5, "whole": 2.0, "tiny": 0.00001, "t": True, "f": False, "none": None,
           "map": {}, "list": [], "nested": [[1, 2], []]}
    assert dump_yaml(obj) == ("f: false\nfloat: 1.5\nint: 3\nlist: []\nmap: {}\nnested:\n- - 1\n  - 2\n- []\n"
                              "none: null\nt: true\ntiny: 1e-05\nwhole: 2\n")


def test_long_scheduler_message_folds_at_80_columns_like_go_yaml() -> None:
    msg = ("0/1 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. "
           "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.")
    out = dump_yaml({"status": {"conditions": [{"message": msg, "type": "PodScheduled"}]}})
    assert out == (
        "status:\n"
        "  conditions:\n"
        "  - message: '0/1 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane:\n"
        "      }. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.'\n"
        "    type: PodScheduled\n")
    assert yaml_to_json(out)["status"]["conditions"][0]["message"] == msg


def test_multi_line_strings_choose_their_chomping() -> None:
    assert dump_yaml({"s": "a\nb"}) == "s: |-\n  a\n  b\n"
    assert dump_yaml({"s": "a\n\n"}) == "s: |+\n  a\n\n"
    assert dump_yaml({"s": "a \nb"}) == 's: "a \\nb"\n'  # trailing space before a break: no block


def test_key_order_is_go_yaml_natural_order() -> None:
    assert sorted_keys({"a10": 1, "a9": 1, "aB": 1, "a_b": 1, "B": 1, "a": 1}) == ["B", "a", "a_b", "a9", "a10", "aB"]


def test_json_is_sorted_four_space_indented_and_html_escaped() -> None:
    obj = {"metadata": {"name": "web-0", "annotations": {"note": "<b> & é"}, "labels": {}},
           "kind": "Pod", "spec": {"containers": [], "replicas": 2, "ratio": 0.5, "tiny": 1e-7}}
    assert dump_json(obj) == (
        "{\n"
        '    "kind": "Pod",\n'
        '    "metadata": {\n'
        '        "annotations": {\n'
        '            "note": "\\u003cb\\u003e \\u0026 é"\n'
        "        },\n"
        '        "labels": {},\n'
        '        "name": "web-0"\n'
        "    },\n"
        '    "spec": {\n'
        '        "containers": [],\n'
        '        "ratio": 0.5,\n'
        '        "replicas": 2,\n'
        '        "tiny": 1e-7\n'
        "    }\n"
        "}\n")


def test_several_objects_print_as_a_list() -> None:
    items = [{"kind": "Pod", "metadata": {"name": "web-0"}}]
    assert dump_yaml(as_list(items)) == (
        "apiVersion: v1\nitems:\n- kind: Pod\n  metadata:\n    name: web-0\nkind: List\nmetadata:\n"
        '  resourceVersion: ""\n')
    assert dump_json(as_list([])) == (
        '{\n    "apiVersion": "v1",\n    "items": [],\n    "kind": "List",\n    "metadata": {\n'
        '        "resourceVersion": ""\n    }\n}\n')


def test_go_float_formatting() -> None:
    assert [go_float(f) for f in (1.5, 0.0001, 0.00001, 1234567.5, 1e21, -2.25)] == [
        "1.5", "0.0001", "1e-05", "1.2345675e+06", "1e+21", "-2.25"]


def test_dump_then_read_back_round_trips() -> None:
    obj = web_0()
    back = yaml_to_json(dump_yaml(obj))
    assert back == obj


def test_encode_json_is_compact_sorted_and_newline_terminated() -> None:
    assert encode_json({"b": [1, 2.5, 1e-7, None, True], "a": {"x": "<y>"}}) == (
        '{"a":{"x":"\\u003cy\\u003e"},"b":[1,2.5,1e-7,null,true]}\n')


_tricky = st.one_of(
    st.sampled_from(["", "80", "0x1F", "yes", "n", "~", "null", "1e3", "08", "1:20", "2024-01-01", "<<",
                     "a: b", "- x", "#c", " lead", "trail ", "a\nb", "a\n", "\n", "tab\t", "'q'", '"dq"',
                     "é", "😀", ".5", "-", "?", "%x", "@x", "`x", "!x", "&x", "*x", "{x}", "[x]", "a #b"]),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12),
    st.text(alphabet="ab :#-\n", max_size=100),
)
_json = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**53), 2**53), _tricky),
    lambda kids: st.one_of(st.lists(kids, max_size=4), st.dictionaries(_tricky, kids, max_size=4)),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(obj=st.dictionaries(_tricky, _json, max_size=5))
def test_what_get_yaml_prints_reads_back_as_the_same_object(obj: dict[str, Any]) -> None:
    assert yaml_to_json(dump_yaml(obj)) == obj
