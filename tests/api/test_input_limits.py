"""YAML and JSON input within go-yaml's and the API server's limits, with kubectl's errors."""

import tracemalloc

import pytest

from simk8s import Cluster
from simk8s.api import yamlinput
from simk8s.api.errors import BadRequest
from simk8s.api.limits import MAX_DEPTH, allowed_alias_ratio
from simk8s.api.manifest import ManifestError, load_manifests
from simk8s.api.yamlinput import YAMLLimitError, yaml_to_json

# A "billion laughs": nine levels of nine aliases each, 9**9 strings if expanded (450 bytes).
BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9) if prev else ', '.join(['lollollol'] * 9)}]\n"
    for prev, name in zip(["", *"abcdefgh"], "abcdefghi", strict=True))
PARSE = "error: error parsing STDIN: error converting YAML to JSON: "


def test_the_alias_bomb_is_refused_after_a_few_thousand_operations_in_bounded_memory():
    assert len(BOMB.encode()) < 500
    calls = []
    real = yamlinput._Decoder.convert

    def counting(self, node, depth):
        calls.append(1)
        return real(self, node, depth)

    yamlinput._Decoder.convert = counting
    tracemalloc.start()
    try:
        with pytest.raises(YAMLLimitError) as info:
            yaml_to_json(BOMB)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        yamlinput._Decoder.convert = real
    assert str(info.value) == "yaml: document contains excessive aliasing"
    assert len(calls) < 5000
    assert peak < 5 * 1024 * 1024


def test_kubectl_apply_of_the_bomb_prints_kubectls_error():
    c = Cluster(seed=1)
    before = c.store.resource_version
    r = c.kubectl(["apply", "-f", "-"], stdin=BOMB)
    assert (r.code, r.stderr) == (1, PARSE + "yaml: document contains excessive aliasing\n")
    assert c.store.resource_version == before


def test_modest_aliasing_is_fine():
    doc = "a: &a {x: 1}\nb: *a\nc: [*a, *a]\nd:\n  <<: *a\n  z: 2\n"
    assert yaml_to_json(doc) == {"a": {"x": 1}, "b": {"x": 1}, "c": [{"x": 1}, {"x": 1}], "d": {"z": 2, "x": 1}}


def test_the_alias_ratio_is_go_yamls():
    assert allowed_alias_ratio(1000) == 0.99
    assert allowed_alias_ratio(4_000_000) == 0.10
    assert allowed_alias_ratio(2_200_000) == pytest.approx(0.545)


def test_an_anchor_containing_its_own_alias():
    with pytest.raises(ManifestError) as info:
        load_manifests("apiVersion: v1\nkind: Pod\nmetadata: &m {name: x, labels: *m}\n")
    assert str(info.value) == "error: error parsing STDIN: error converting YAML to JSON: yaml: anchor 'm' value " \
                              "contains itself"


@pytest.mark.parametrize("text", [
    "[" * 5000 + "]" * 5000,                                      # past libyaml's own nesting limit
    "a: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n",  # past ours
    "a:\n" + "".join("  " * i + "- b:\n" for i in range(1, MAX_DEPTH)),
])
def test_deep_yaml_is_refused(text):
    with pytest.raises(ManifestError, match=rf"exceeded max depth of {MAX_DEPTH}$"):
        load_manifests(text)


def test_deep_json_is_refused_before_pythons_decoder_recurses():
    text = '{"a":' * 3000 + "1" + "}" * 3000
    with pytest.raises(ManifestError) as info:
        load_manifests(text)
    assert str(info.value) == f"error: error parsing STDIN: json: offset {5 * MAX_DEPTH + 1}: exceeded max depth"


def test_a_deep_python_object_is_refused_by_the_server_not_a_recursion_error():
    deep: dict = {}
    cur = deep
    for _ in range(3000):
        cur["a"] = {}
        cur = cur["a"]
    c = Cluster(seed=1)
    with pytest.raises(BadRequest, match="exceeded max depth"):
        c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"}, "spec": {"affinity": deep}})
