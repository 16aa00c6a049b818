"""Arbitrary and mutated manifests, and the property every one must satisfy.

A manifest is either **stored and simulated** (a short run, ``kubectl get`` and ``describe`` of it)
without any exception, or **refused** with an :class:`~simk8s.api.errors.ApiError` (or kubectl's
own client-side error) leaving the store exactly as it was: :func:`check_manifest` asserts that.

Manifests come from :data:`BASES` (valid objects of the kinds users write) changed by
:class:`Mutation` s: a value replaced by another of any JSON type (numbers out of range, wrong
types, names such as ``C``, quantities such as ``lots``, nested lists and maps), a field deleted, an
unknown field added. Numbers are small, in [2**31, 2**32) (out of int32's range, and narrowed to
negatives by a strategic merge, as upstream's converter does), or valid but huge:
``replicas: 2147483647``, or what a strategic merge narrows -2147483649 or [2**32, 2**32 + 2**31)
to (the controllers create such a set's pods at their client's rate, 20 a second).
:func:`random_manifest` draws them from a :class:`random.Random` (the fuzz
campaign, ``fuzz/manifests.py``); :func:`manifests` is the hypothesis strategy (the suite).
"""

from __future__ import annotations

import copy
import json
import random
from dataclasses import dataclass
from typing import Any

import yaml

from simk8s.api.errors import ApiError
from simk8s.api.manifest import ManifestError, load_manifests
from simk8s.cluster import Cluster
from simk8s.examples import WEB_YAML
from simk8s.store.apply import ApplyError, apply_object

__all__ = ["BASES", "Mutation", "check_manifest", "manifests", "mutate", "random_manifest", "random_value"]

_SERVICE, _STS = yaml.safe_load_all(WEB_YAML)
_POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "pod", "labels": {"app": "pod"}},
        "spec": {"containers": [{"name": "c", "image": "busybox", "command": ["sleep", "3600"],
                                 "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                                 "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}},
                                 "readinessProbe": {"exec": {"command": ["true"]}, "periodSeconds": 5}}],
                 "restartPolicy": "Always", "terminationGracePeriodSeconds": 5,
                 "tolerations": [{"key": "k", "operator": "Exists", "effect": "NoSchedule"}]}}
_DEPLOYMENT = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "dep"},
               "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "dep"}},
                        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%",
                                                                                "maxUnavailable": 1}},
                        "template": {"metadata": {"labels": {"app": "dep"}},
                                     "spec": {"containers": [{"name": "c", "image": "nginx:1.25"}]}}}}
_PVC = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}
_NODEPORT = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "np"},
             "spec": {"type": "NodePort", "selector": {"app": "pod"},
                      "ports": [{"port": 80, "targetPort": "http", "protocol": "TCP", "name": "http"}]}}

BASES: tuple[dict[str, Any], ...] = (_SERVICE, _STS, _POD, _DEPLOYMENT, _PVC, _NODEPORT)

# Values users (and attackers) write where something else was expected.
_INTERESTING: tuple[Any, ...] = (
    None, True, False, 0, -1, 1, 3, 1.5, 2147483647, 2147483648, -2147483649, 4294967295, 2**63, 1e300, -0.0,
    "", "C", "two", "3", "lots", "1Gi", "-1", "1e400", "100m", "80", "http", "Always", "Sometimes",
    "TCP", "tcp", "a" * 64, "a" * 300, "web-0", "x/y", "ünïcødé", "\x00", "$(echo hi)", "app=nginx",
    [], [1], ["a"], [None], [[]], {}, {"a": 1}, {"name": "x"}, {"": ""},
)
_OPS = ("replace", "replace", "replace", "delete", "add", "wrap")


@dataclass(frozen=True)
class Mutation:
    """Change the node ``path`` leads to: each number picks a child (modulo their count) while the
    walk can go on; ``op`` is replace / delete / add (an unknown field) / wrap (in a list)."""

    path: tuple[int, ...]
    op: str
    value: Any = None


def _children(node: Any) -> list[Any]:
    if isinstance(node, dict):
        return list(node)
    if isinstance(node, list):
        return list(range(len(node)))
    return []


def mutate(obj: dict[str, Any], m: Mutation) -> dict[str, Any]:
    """``obj`` (not changed) with the mutation applied."""
    out = copy.deepcopy(obj)
    parent: Any = None
    key: Any = None
    node: Any = out
    for pick in m.path:
        kids = _children(node)
        if not kids:
            break
        parent, key = node, kids[pick % len(kids)]
        node = node[key]
    if parent is None:   # the root: add a field
        out[f"x{len(m.path)}"] = copy.deepcopy(m.value)
        return out
    if m.op == "delete":
        del parent[key]
    elif m.op == "add" and isinstance(node, dict):
        node[f"unknown{len(m.path)}"] = copy.deepcopy(m.value)
    elif m.op == "wrap":
        parent[key] = [node]
    else:
        parent[key] = copy.deepcopy(m.value)
    return out


def random_value(rng: random.Random, depth: int = 0) -> Any:
    """An interesting value, sometimes a random one (numbers, strings, nested lists and maps)."""
    roll = rng.random()
    if roll < 0.6 or depth > 3:
        return rng.choice(_INTERESTING)
    if roll < 0.7:   # small, out of int32's range, or huge (see the module's note)
        return rng.choice((rng.randint(-1000, 1000), rng.randint(2**31, 2**32 - 1), 2**31 - 1,
                           rng.randint(2**32, 2**32 + 2**31 - 1)))
    if roll < 0.8:
        return "".join(rng.choice("abcXYZ019-._/: \n") for _ in range(rng.randint(0, 20)))
    if roll < 0.9:
        return [random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {rng.choice(("name", "a", "image", "port", "")): random_value(rng, depth + 1)
            for _ in range(rng.randint(0, 3))}


def random_manifest(rng: random.Random, max_mutations: int = 3) -> dict[str, Any]:
    """A base manifest with 0 to ``max_mutations`` random mutations."""
    obj = copy.deepcopy(rng.choice(BASES))
    for _ in range(rng.randint(0, max_mutations)):
        path = tuple(rng.randrange(64) for _ in range(rng.randint(0, 9)))
        obj = mutate(obj, Mutation(path, rng.choice(_OPS), random_value(rng)))
    return obj


def manifests(max_mutations: int = 3) -> Any:
    """Hypothesis strategy: a base manifest with mutations (values drawn from arbitrary JSON)."""
    from hypothesis import strategies as st  # lazy: hypothesis is only in the test extra

    numbers = (st.integers(-1000, 1000) | st.integers(2**31, 2**32 - 1) | st.just(2**31 - 1)
               | st.integers(2**32, 2**32 + 2**31 - 1))
    json = st.recursive(
        st.none() | st.booleans() | numbers | st.floats(-1000, 1000) | st.floats(2**31, 2**32 - 1)
        | st.text(max_size=20) | st.sampled_from(_INTERESTING),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
        max_leaves=6)
    mutation = st.builds(Mutation, st.lists(st.integers(0, 63), max_size=9).map(tuple), st.sampled_from(_OPS), json)

    @st.composite
    def build(draw: Any) -> dict[str, Any]:
        obj = copy.deepcopy(draw(st.sampled_from(BASES)))
        for m in draw(st.lists(mutation, max_size=max_mutations)):
            obj = mutate(obj, m)
        return obj

    return build()


def _fingerprint(cluster: Cluster) -> tuple[int, int]:
    return cluster.store.resource_version, len(cluster.store.log)


def check_manifest(cluster: Cluster, obj: Any, run: float = 2.0, fmt: str = "json") -> str:
    """Write ``obj`` as a JSON or YAML file, read it and apply it as ``kubectl apply -f`` does, and
    return ``"stored"`` or ``"refused"``.

    Stored: the cluster runs ``run`` virtual seconds and ``kubectl get``/``describe`` print the
    object, all without an exception. Refused: an ApiError (or kubectl's client-side error) and the
    store exactly as before. Anything else raises (an AssertionError, or the exception itself).
    """
    text = json.dumps(obj) if fmt == "json" else yaml.safe_dump(obj, sort_keys=False)
    before = _fingerprint(cluster)
    stored = []
    try:
        for doc in load_manifests(text, "fuzz.yaml"):
            stored.append(apply_object(cluster.store, doc, None, "fuzz.yaml"))
    except (ApiError, ApplyError, ManifestError):
        assert stored or _fingerprint(cluster) == before, "a refused manifest changed the store"
        return "refused"
    cluster.run(run)
    for k, name, _ in stored:
        for line in (["get", k.plural, name, "-o", "wide"], ["describe", k.plural, name]):
            r = cluster.kubectl(line)
            assert r.code == 0 or r.stderr.startswith("Error from server (NotFound)"), r.stderr
    return "stored"
