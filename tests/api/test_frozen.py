import copy
import gc
import json
import weakref

import pytest

from simk8s.api.frozen import (
    UNTRACK,
    FrozenDict,
    FrozenList,
    assoc_in,
    dissoc_in,
    evolve,
    freeze,
    frozen_dict,
    get_in,
    thaw,
)


def test_frozen_objects_refuse_every_mutation():
    obj = freeze({"metadata": {"labels": {"app": "nginx"}}, "spec": {"ports": [{"port": 80}]}})
    with pytest.raises(TypeError):
        obj["spec"] = {}
    with pytest.raises(TypeError):
        obj["metadata"]["labels"]["app"] = "other"
    with pytest.raises(TypeError):
        obj["spec"]["ports"].append({"port": 81})
    with pytest.raises(TypeError):
        obj["spec"]["ports"][0].update(port=81)
    with pytest.raises(TypeError):
        del obj["metadata"]
    assert obj == {"metadata": {"labels": {"app": "nginx"}}, "spec": {"ports": [{"port": 80}]}}


def test_frozen_values_serialise_and_compare_like_plain_json():
    plain = {"a": [1, {"b": None}], "c": "x"}
    obj = freeze(plain)
    assert json.dumps(obj, sort_keys=True) == json.dumps(plain, sort_keys=True)
    assert obj == plain and isinstance(obj, dict) and isinstance(obj["a"], list)
    assert copy.deepcopy(obj) is obj


def test_thaw_gives_an_independent_mutable_copy():
    obj = freeze({"spec": {"replicas": 2, "list": [1]}})
    mine = thaw(obj)
    mine["spec"]["replicas"] = 5
    mine["spec"]["list"].append(2)
    assert obj["spec"] == {"replicas": 2, "list": [1]}
    assert type(mine) is dict and type(mine["spec"]["list"]) is list


def test_assoc_in_copies_only_the_path_and_shares_the_rest():
    obj = freeze({"metadata": {"name": "web-0"}, "spec": {"big": list(range(100))}, "status": {}})
    new = assoc_in(obj, ("status", "phase"), "Running")
    assert new["status"] == {"phase": "Running"} and obj["status"] == {}
    assert new["spec"] is obj["spec"] and new["metadata"] is obj["metadata"]
    assert isinstance(new, FrozenDict) and isinstance(new["status"], FrozenDict)
    deeper = assoc_in(obj, ("status", "conditions", 0), {"type": "Ready"})
    assert deeper["status"]["conditions"] == [{"type": "Ready"}]
    assert isinstance(deeper["status"]["conditions"], FrozenList)


def test_dissoc_and_evolve():
    obj = freeze({"metadata": {"name": "a", "labels": {"x": "1", "y": "2"}}})
    assert dissoc_in(obj, ["metadata", "labels", "x"])["metadata"]["labels"] == {"y": "2"}
    assert dissoc_in(obj, ["metadata", "nope"]) is obj
    out = evolve(obj, {("metadata", "labels"): ..., ("spec", "replicas"): 3})
    assert out == {"metadata": {"name": "a"}, "spec": {"replicas": 3}}


def test_get_in_tolerates_missing_steps():
    obj = freeze({"a": {"b": [{"c": 1}]}})
    assert get_in(obj, ["a", "b", 0, "c"]) == 1
    assert get_in(obj, ["a", "x", "c"], "dflt") == "dflt"
    assert get_in(obj, ["a", "b", 5]) is None


@pytest.mark.skipif(UNTRACK is None, reason="no cycle collector to leave (not CPython)")
def test_frozen_containers_are_left_out_of_the_cycle_collector():
    obj = freeze({"metadata": {"labels": {"a": "b"}}, "spec": {"items": [{"x": 1}, [2, 3]]}})
    containers = [obj, obj["metadata"], obj["metadata"]["labels"], obj["spec"], obj["spec"]["items"],
                  obj["spec"]["items"][0], obj["spec"]["items"][1]]
    assert not any(gc.is_tracked(c) for c in containers)
    assert not gc.is_tracked(frozen_dict({**obj, "status": freeze({"phase": "Running"})}))
    # A thawed copy is a plain, tracked value again; reference counting still frees frozen ones.
    assert gc.is_tracked(thaw(obj)) and thaw(obj) == obj

    class Leaf:   # a non-JSON value kept as it is: freeze does not make it frozen, nor untrack it
        pass

    leaf = Leaf()
    ref = weakref.ref(leaf)
    held = freeze({"v": [leaf]})
    del leaf
    assert ref() is not None and gc.is_tracked(held["v"][0])
    del held
    assert ref() is None

