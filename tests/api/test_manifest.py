import json
from pathlib import Path

import pytest

from simk8s.api.manifest import (
    ManifestError,
    load_manifests,
    load_path,
    scan_manifests,
    scan_path,
    split_documents,
)

WEB_YAML = """\
apiVersion: v1
kind: Service
metadata:
  name: nginx
  labels:
    app: nginx
spec:
  ports:
  - port: 80
    name: web
  clusterIP: None
  selector:
    app: nginx
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  selector:
    matchLabels:
      app: nginx # has to match .spec.template.metadata.labels
  serviceName: "nginx"
  replicas: 2 # by default is 1
  template:
    metadata:
      labels:
        app: nginx # has to match .spec.selector.matchLabels
    spec:
      terminationGracePeriodSeconds: 10
      containers:
      - name: nginx
        image: k8s.gcr.io/nginx-slim:0.8
        ports:
        - containerPort: 80
          name: web
        volumeMounts:
        - name: www
          mountPath: /usr/share/nginx/html
  volumeClaimTemplates:
  - metadata:
      name: www
    spec:
      accessModes: [ "ReadWriteOnce" ]
      resources:
        requests:
          storage: 1Gi
"""


def test_web_yaml_loads_a_service_and_a_statefulset_in_order() -> None:
    svc, sts = load_manifests(WEB_YAML, "web.yaml")
    assert (svc["kind"], svc["metadata"]["name"], svc["spec"]["clusterIP"]) == ("Service", "nginx", "None")
    assert svc["spec"]["ports"] == [{"port": 80, "name": "web"}]
    assert sts["spec"]["replicas"] == 2 and sts["spec"]["serviceName"] == "nginx"
    assert list(sts) == ["apiVersion", "kind", "metadata", "spec"]  # document key order kept
    assert list(sts["spec"]) == ["selector", "serviceName", "replicas", "template", "volumeClaimTemplates"]
    assert sts["spec"]["volumeClaimTemplates"][0]["spec"]["accessModes"] == ["ReadWriteOnce"]


def test_empty_and_null_documents_and_a_leading_separator_are_skipped() -> None:
    text = "---\n# just a comment\n---\nnull\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\n"
    assert load_manifests(text) == [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}]


def test_separator_needs_a_line_of_its_own() -> None:
    assert split_documents("a: 1\n--- # next\nb: 2\n---x: 3\n") == ["a: 1\n", "b: 2\n---x: 3\n"]


def test_kind_list_is_expanded() -> None:
    text = ('{"apiVersion": "v1", "kind": "List", "items": ['
            '{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a"}},'
            '{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "b"}}]}')
    assert [d["kind"] for d in load_manifests(text)] == ["Service", "Pod"]


def test_json_stream_of_objects() -> None:
    text = '{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}}\n{"apiVersion": "v1", "kind": "Pod"}'
    assert [d.get("metadata") for d in load_manifests(text)] == [{"name": "a"}, None]


def test_yaml_1_1_scalars_are_read_as_kubectl_reads_them() -> None:
    doc, = load_manifests('apiVersion: v1\nkind: ConfigMap\ndata:\n  a: yes\n  b: "yes"\n  c: 0755\n'
                          '  d: 2024-01-01\n  e: 1.0\n  f: ~\n')
    assert doc["data"] == {"a": True, "b": "yes", "c": 493, "d": "2024-01-01", "e": 1, "f": None}


def test_missing_api_version_and_kind_is_refused_with_kubectl_text() -> None:
    with pytest.raises(ManifestError) as info:
        load_manifests("metadata:\n  name: web\n", "web.yaml")
    assert str(info.value) == (
        'error: error validating "web.yaml": error validating data: [apiVersion not set, kind not set]; '
        "if you choose to ignore these errors, turn validation off with --validate=false")
    with pytest.raises(ManifestError) as info:
        load_manifests("apiVersion: v1\nmetadata: {}\n", "web.yaml")
    assert "error validating data: kind not set; if you choose" in str(info.value)


def test_bad_api_version_and_non_string_kind() -> None:
    with pytest.raises(ManifestError) as info:
        load_manifests("apiVersion: a/b/c\nkind: 3\n", "x.yaml")
    assert "error validating data: [unexpected GroupVersion string: a/b/c, kind isn't string type];" in str(info.value)
    with pytest.raises(ManifestError) as info:
        load_manifests("- a\n- b\n", "x.yaml")
    assert "error validating data: invalid object to validate;" in str(info.value)


def test_stdin_is_called_stdin() -> None:
    with pytest.raises(ManifestError) as info:
        load_manifests("kind: Pod\n", "-")
    assert str(info.value).startswith('error: error validating "STDIN": error validating data: apiVersion not set;')


def test_yaml_syntax_errors_use_go_yaml_wording_and_document_relative_lines() -> None:
    with pytest.raises(ManifestError) as info:
        load_manifests("apiVersion: v1\nkind: Pod\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: a: b\n",
                       "web.yaml")
    assert str(info.value) == ("error: error parsing web.yaml: error converting YAML to JSON: "
                               "yaml: line 4: mapping values are not allowed in this context")
    with pytest.raises(ManifestError) as info:
        load_manifests("apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n labels: {}\n", "web.yaml")
    assert str(info.value) == ("error: error parsing web.yaml: error converting YAML to JSON: "
                               "yaml: line 4: did not find expected key")


def test_load_path_reads_a_directory_by_name_and_recurses_only_when_asked(tmp_path: Path) -> None:
    def write(rel: str, name: str) -> None:
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if rel.endswith(".json"):
            p.write_text(json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}}))
        else:
            p.write_text(f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n")

    write("b.yaml", "b")
    write("a.yml", "a")
    write("c.json", "c")
    write("notes.txt", "ignored")
    write("sub/d.yaml", "d")
    names = [doc["metadata"]["name"] for _, doc in load_path(str(tmp_path))]
    assert names == ["a", "b", "c"]
    names = [doc["metadata"]["name"] for _, doc in load_path(str(tmp_path), recursive=True)]
    assert names == ["a", "b", "c", "d"]
    sources = [src for src, _ in load_path(str(tmp_path / "notes.txt"))]
    assert sources == [str(tmp_path / "notes.txt")]


def test_load_path_missing_file_and_stdin() -> None:
    with pytest.raises(ManifestError) as info:
        load_path("x.yaml")
    assert str(info.value) == 'error: the path "x.yaml" does not exist'
    assert load_path("-", stdin="apiVersion: v1\nkind: Namespace\n") == [
        ("STDIN", {"apiVersion": "v1", "kind": "Namespace"})]


def test_json_syntax_errors_use_go_wording() -> None:
    with pytest.raises(ManifestError) as info:
        load_manifests('{"apiVersion": "v1",}', "web.json")
    assert str(info.value) == ("error: error parsing web.json: json: offset 21: invalid character '}' "
                               "looking for beginning of object key string")
    with pytest.raises(ManifestError) as info:
        load_manifests('{"apiVersion": "v1", "kind": ', "web.json")
    assert str(info.value) == "error: error parsing web.json: unexpected EOF"


def test_documents_before_a_bad_one_are_still_applied(tmp_path: Path) -> None:
    text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: nginx\n---\nmetadata:\n  name: web\n---\n" \
           "apiVersion: v1\nkind: Pod\n"
    docs, err = scan_manifests(text, "web.yaml")
    assert [d["kind"] for d in docs] == ["Service"]  # kubectl stops reading the file at the bad one
    assert err is not None and str(err).startswith('error: error validating "web.yaml"')
    (tmp_path / "a.yaml").write_text(text)
    (tmp_path / "b.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: b\n")
    pairs, errors = scan_path(str(tmp_path))
    assert [doc["kind"] for _, doc in pairs] == ["Service", "Namespace"]
    assert len(errors) == 1


@pytest.mark.parametrize("text,message", [
    ("key: value\n  other: x\n", "yaml: line 2: mapping values are not allowed in this context"),
    ("a:\n  - b\n  c: d\n", "yaml: line 2: did not find expected '-' indicator"),
    ("a:\n\t- b\n", "yaml: line 2: found character that cannot start any token"),
    ("a: \x01\n", "yaml: control characters are not allowed"),
])
def test_common_yaml_mistakes(text: str, message: str) -> None:
    with pytest.raises(ManifestError) as info:
        load_manifests(text, "x.yaml")
    assert str(info.value) == f"error: error parsing x.yaml: error converting YAML to JSON: {message}"
