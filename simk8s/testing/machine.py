"""``ClusterMachine``: a hypothesis state machine that drives a simulated cluster through random
operations and faults and checks the StatefulSet invariants, DNS and storage after every step.

Every operation is performed through ``kubectl`` (or a fault) and recorded, so a failing example
prints (``hypothesis.note``) a scenario file that ``simk8s run`` replays step for step::

    from simk8s.testing import ClusterMachine
    TestMyOperator = ClusterMachine.TestCase          # pytest collects it

Subclass to add rules, invariants, or your own reconciler (override :meth:`setup_cluster`).
"""

from __future__ import annotations

import json
import shlex
from collections import OrderedDict
from typing import Any

import yaml
from hypothesis import note
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

try:
    from hypothesis.control import should_note
except ImportError:  # pragma: no cover - older hypothesis: always build the note
    def should_note() -> bool:
        return True

from simk8s.api.frozen import get_in
from simk8s.cluster import Cluster
from simk8s.core.fork import ForkError, fork_core
from simk8s.logic.podutil import get_ordinal, is_running_and_ready, is_terminating
from simk8s.testing.checker import RuntimeChecker
from simk8s.testing.invariants import check_cluster, check_converged
from simk8s.testing.strategies import operations, statefulsets

__all__ = ["ClusterMachine", "to_scenario"]

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  clusterIP: None
  selector:
    app: {name}
  ports:
  - port: 80
    name: web
"""


def to_scenario(seed: int, manifest: dict[str, Any], steps: list[dict[str, Any]], name: str = "replay") -> str:
    """A scenario file (simk8s/scenario.py format) that replays ``steps`` on a cluster of ``seed``."""
    set_name = manifest["metadata"]["name"]
    doc = {
        "name": name, "seed": seed,
        "description": "Replay of a failing ClusterMachine example.",
        "files": {"sts.yaml": SERVICE.format(name=set_name) + "---\n" + yaml.safe_dump(manifest, sort_keys=False)},
        "steps": [{"run": "kubectl apply -f sts.yaml"}, *steps, {"check": "converged"}, {"check": "invariants"},
                  {"check": "runtime"}],
    }
    return yaml.dump(doc, Dumper=_BlockDumper, sort_keys=False, width=200)


class _BlockDumper(yaml.SafeDumper):
    """Multi-line strings (the manifest) as ``|`` blocks, so the replay file reads like a lab."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _str)


#: How examples that begin alike start: (machine class, seed, manifest) -> the settled cluster, its
#: checker and the steps recorded, kept unrun. Such examples (hypothesis's shrinking and replays)
#: fork it instead of building and settling the cluster again.
_STARTS: OrderedDict[tuple[Any, ...], tuple[Cluster, RuntimeChecker, list[dict[str, Any]]]] = OrderedDict()
_STARTS_MAX = 4


class ClusterMachine(RuleBasedStateMachine):
    """Random operations against one StatefulSet (and its headless Service) in a fresh cluster."""

    set_name = "web"
    workers = 3
    settle_limit = 900.0

    def __init__(self) -> None:
        super().__init__()
        self.cluster: Cluster | None = None
        self.steps: list[dict[str, Any]] = []
        self.failed_nodes: set[str] = set()
        self.markers: dict[str, tuple[str, str]] = {}   # pod name -> (claim uid, text)
        self.manifest: dict[str, Any] = {}
        self.manifest_text = ""
        self.seed = 0
        # invariant name -> the store's resourceVersion when it last held (for the invariants that
        # are functions of the stored objects only: unchanged objects need no second look).
        self._held_at: dict[str, int] = {}

    # ----------------------------------------------------------------------------- set-up
    def setup_cluster(self, cluster: Cluster) -> None:
        """Hook for subclasses: register reconcilers, create extra objects."""

    @initialize(manifest=statefulsets(), seed=st.integers(0, 2**16))
    def start(self, manifest: dict[str, Any], seed: int) -> None:
        self.seed = seed
        self.manifest = manifest
        self.manifest_text = SERVICE.format(name=self.set_name) + "---\n" + yaml.safe_dump(manifest, sort_keys=False)
        # A subclass's setup_cluster may keep state on the machine that a fork would not carry.
        key = (type(self), seed, self.manifest_text) if type(self).setup_cluster is ClusterMachine.setup_cluster \
            else None
        template = _STARTS.get(key) if key is not None else None
        if key is not None and template is not None:
            _STARTS.move_to_end(key)
            _, (self.cluster, self.checker) = fork_core(template[0].core, template[:2])
            self.steps.extend(template[2])
            return
        self.cluster = Cluster(seed=seed)
        self.checker = RuntimeChecker(self.cluster)
        self.setup_cluster(self.cluster)
        assert self.cluster.kubectl(["apply", "-f", "-"], stdin=self.manifest_text).code == 0
        self._settle()
        if key is not None:
            try:
                _, (cluster, checker) = fork_core(self.cluster.core, [self.cluster, self.checker])
            except ForkError:
                return      # did not settle: the next such example builds its own
            _STARTS[key] = (cluster, checker, list(self.steps))
            if len(_STARTS) > _STARTS_MAX:
                _STARTS.popitem(last=False)

    # ------------------------------------------------------------------------------ steps
    def _record(self, step: dict[str, Any]) -> None:
        self.steps.append(step)

    def kubectl(self, line: str) -> Any:
        assert self.cluster is not None
        self._record({"run": f"kubectl {line}"})
        return self.cluster.kubectl(line)

    def _settle(self) -> None:
        """Let the cluster run: to quiescence when healthy, a while when nodes are down."""
        assert self.cluster is not None
        before = self.cluster.now
        if self.failed_nodes:
            self.cluster.run(60)
        else:
            try:
                self.cluster.settle(limit=self.settle_limit)
            except Exception:
                pass
        elapsed = round(self.cluster.now - before, 6)
        if elapsed:
            self._record({"sleep": elapsed})

    def _exists(self) -> bool:
        assert self.cluster is not None
        return self.cluster.store.try_get("StatefulSet", self.set_name) is not None

    @rule(op=operations())
    def operate(self, op: tuple[Any, ...]) -> None:
        assert self.cluster is not None
        verb = op[0]
        s = self.set_name
        if verb == "scale" and self._exists():
            self.kubectl(f"scale sts {s} --replicas={op[1]}")
        elif verb == "image" and self._exists():
            self.kubectl(f"set image sts/{s} nginx={op[1]}")
        elif verb == "partition" and self._exists():
            strategy = get_in(self.cluster.store.get("StatefulSet", s), ("spec", "updateStrategy", "type"))
            if strategy == "RollingUpdate":
                patch = json.dumps({"spec": {"updateStrategy": {"rollingUpdate": {"partition": op[1]}}}},
                                   separators=(",", ":"))
                self.kubectl(f"patch sts {s} -p {shlex.quote(patch)}")
        elif verb in ("delete_pod", "force_delete_pod"):
            name = f"{s}-{op[1]}"
            if self.cluster.store.try_get("Pod", name) is not None:
                extra = " --grace-period=0 --force" if verb == "force_delete_pod" else " --wait=false"
                self.kubectl(f"delete pod {name}{extra}")
        elif verb == "delete_set" and self._exists():
            self.kubectl(f"delete sts {s} --cascade={op[1]} --wait=false")
            self._settle()
            self._record({"run": "kubectl apply -f sts.yaml"})
            self.cluster.kubectl(["apply", "-f", "-"], stdin=self.manifest_text)
        elif verb == "advance":
            self.cluster.run(op[1])
            self._record({"sleep": op[1]})
            return
        elif verb == "fail_node" and op[1] not in self.failed_nodes and len(self.failed_nodes) < self.workers - 1:
            self.cluster.fail_node(op[1])
            self.failed_nodes.add(op[1])
            self._record({"fault": {"fail": op[1]}})
        elif verb == "recover_node" and op[1] in self.failed_nodes:
            self.cluster.recover_node(op[1])
            self.failed_nodes.discard(op[1])
            self._record({"fault": {"recover": op[1]}})
        self._settle()

    @rule(ordinal=st.integers(0, 5))
    def write_data(self, ordinal: int) -> None:
        """Write a marker into the pod's claim; it must survive as long as the claim does."""
        assert self.cluster is not None
        name = f"{self.set_name}-{ordinal}"
        pod = self.cluster.store.try_get("Pod", name)
        claim = self.cluster.store.try_get("PersistentVolumeClaim", f"www-{name}")
        if pod is None or claim is None or self.failed_nodes or not is_running_and_ready(pod):
            return
        text = f"{name}-{self.seed}-{len(self.steps)}"
        r = self.kubectl(f"exec {name} -- sh -c 'echo {text} > /usr/share/nginx/html/marker'")
        if r.code == 0:
            self.markers[name] = (claim["metadata"]["uid"], text)

    # ------------------------------------------------------------------------- invariants
    def _healthy(self) -> bool:
        return self.cluster is not None and not self.failed_nodes and self.cluster.idle()

    def _unchanged_since_held(self, name: str) -> bool:
        assert self.cluster is not None
        return self._held_at.get(name) == self.cluster.store.resource_version

    def _held(self, name: str) -> None:
        assert self.cluster is not None
        self._held_at[name] = self.cluster.store.resource_version

    @invariant()
    def ordered_writes(self) -> None:
        if self.cluster is not None:
            assert self.checker.violations == [], self.checker.violations

    @invariant()
    def converged_state(self) -> None:
        if not self._healthy():
            return
        assert self.cluster is not None
        if self._unchanged_since_held("converged_state"):
            return
        assert check_cluster(self.cluster) == []
        self._held("converged_state")

    @invariant()
    def dns_matches_ready_pods(self) -> None:
        if not self._healthy():
            return
        assert self.cluster is not None
        if self._unchanged_since_held("dns_matches_ready_pods"):
            return
        pods = [p for p in self.cluster.store.list("Pod", "default") if get_ordinal(self.set_name, p["metadata"]["name"]) >= 0
                and (p["metadata"].get("labels") or {}).get("app") == self.set_name]
        ready = sorted(str(p["status"]["podIP"]) for p in pods if is_running_and_ready(p) and not is_terminating(p))
        assert sorted(self.cluster.resolve(f"{self.set_name}.default.svc.cluster.local.")) == ready
        for p in pods:
            if is_running_and_ready(p) and not is_terminating(p):
                fqdn = f"{p['metadata']['name']}.{self.set_name}.default.svc.cluster.local."
                assert self.cluster.resolve(fqdn) == [p["status"]["podIP"]]
        self._held("dns_matches_ready_pods")

    @invariant()
    def data_survives(self) -> None:
        if not self._healthy():
            return
        assert self.cluster is not None
        for name, (claim_uid, text) in list(self.markers.items()):
            claim = self.cluster.store.try_get("PersistentVolumeClaim", f"www-{name}")
            pod = self.cluster.store.try_get("Pod", name)
            if claim is None or claim["metadata"]["uid"] != claim_uid:
                del self.markers[name]
                continue
            if pod is None or not is_running_and_ready(pod):
                continue
            out = self.cluster.exec(name, ["cat", "/usr/share/nginx/html/marker"]).stdout
            assert out == text + "\n", f"{name} lost the data written to its claim"

    def teardown(self) -> None:
        if self.cluster is None:
            return
        # The final checks run on a healthy, settled cluster; the replay records that recovery
        # too, so it checks the state the test checked (not one with nodes still down).
        for node in sorted(self.failed_nodes):
            self.cluster.recover_node(node)
            self._record({"fault": {"recover": node}})
        self.failed_nodes.clear()
        before = self.cluster.now
        try:
            self.cluster.settle(limit=self.settle_limit)
        finally:
            elapsed = round(self.cluster.now - before, 6)
            if elapsed:
                self._record({"sleep": elapsed})
            if should_note():   # the replay text is only wanted when hypothesis reports an example
                note("Replay with `simk8s run replay.yaml`:\n" + to_scenario(self.seed, self.manifest, self.steps))
        assert check_converged(self.cluster) == []
        assert self.checker.violations == []
        assert check_cluster(self.cluster) == []
