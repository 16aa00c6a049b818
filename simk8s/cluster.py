"""``Cluster``: one simulated Kubernetes cluster in virtual time, the facade users hold.

It wires a :class:`~simk8s.core.Core` (the clock, the seeded random streams, the object store with
the default admission chain), the bootstrap objects, the control plane (:mod:`simk8s.controllers`)
and a kubelet per node (:mod:`simk8s.node`), and offers the client-side API users call: ``apply``,
``get``, ``delete``, ``patch``, ``run``, ``settle``, ``fork``, fault injection, DNS questions.

The faces (the kubectl emulation, ``serve``, notebook pictures) attach to the facade rather than
the other way round: :func:`attach` registers them (:mod:`simk8s` does so for the package's own),
and ``cluster.kubectl(...)``, ``cluster.serve(...)`` and a notebook's display call them.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar

import simk8s.api.kinds as kinds
import simk8s.controllers as controllers
from simk8s.api.errors import ApiError
from simk8s.api.frozen import FrozenDict, thaw
from simk8s.api.kinds import Kind
from simk8s.api.selectors import parse_field_selector, parse_label_selector
from simk8s.controllers.user import UserController
from simk8s.core import Core, NodeSpec, Timing, Topology
from simk8s.core.bootstrap import bootstrap
from simk8s.core.fork import ForkableEnvironment, fork_core
from simk8s.logic.dns import DnsConfig
from simk8s.node import netpolicy, network, start_kubelets
from simk8s.node.images import ImageRegistry
from simk8s.store import DEFAULT_EPOCH, Store
from simk8s.store import apply as client

__all__ = ["Cluster", "NodeSpec", "NotSettled", "Topology", "attach"]


T = TypeVar("T")


class NotSettled(RuntimeError):
    """``settle()`` ran out of virtual time with work still pending."""


#: The faces attached to every cluster: name -> function taking the cluster first.
_FACES: dict[str, Callable[..., Any]] = {}


def attach(name: str, fn: Callable[..., Any]) -> None:
    """Attach a face: ``kubectl``, ``serve`` or ``html`` (a notebook's display), called with the
    cluster first. :mod:`simk8s` attaches its own when it is imported."""
    _FACES[name] = fn


def _face(name: str) -> Callable[..., Any]:
    fn = _FACES.get(name)
    if fn is None:
        raise RuntimeError(f"no {name} face is attached to simk8s.cluster.Cluster (import simk8s)")
    return fn


class _Part(Generic[T]):
    """A read-only attribute of the facade that is its core's attribute of the same name."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, cluster: Cluster | None, owner: type | None = None) -> T:
        if cluster is None:
            return self  # type: ignore[return-value]
        value: T = getattr(cluster.core, self.name)
        return value


class Cluster:
    """A simulated cluster. ``Cluster(seed=1)`` is the seed lab's cluster at virtual time 0.

    ``feature_gates`` switches Kubernetes feature gates from their 1.32 defaults
    (:data:`simk8s.core.FEATURE_GATES`), e.g. ``{"MaxUnavailableStatefulSet": True}``.
    """

    #: Insert the bootstrap objects from templates instead of through the whole create pipeline;
    #: the stored objects and watch events are the same (:func:`simk8s.core.bootstrap.bootstrap`).
    trusted_bootstrap = True

    def __init__(self, seed: int = 1, *, topology: Topology | None = None, timing: Timing | None = None,
                 epoch: datetime = DEFAULT_EPOCH, controllers: bool = True,
                 missing_images: Iterable[str] = (), feature_gates: Mapping[str, bool] | None = None) -> None:
        self.core = Core(seed, topology or Topology(), timing or Timing(), ImageRegistry(missing_images),
                         epoch=epoch, feature_gates=feature_gates)
        bootstrap(self.core, trusted=self.trusted_bootstrap)
        if controllers:
            self.core.controllers.extend(_start(self.core))

    # ------------------------------------------------------------------------- the core's parts
    seed: _Part[int] = _Part()
    env: _Part[ForkableEnvironment] = _Part()
    topology: _Part[Topology] = _Part()
    timing: _Part[Timing] = _Part()
    images: _Part[ImageRegistry] = _Part()
    controllers: _Part[list[Any]] = _Part()
    volume_data: _Part[dict[str, Any]] = _Part()
    pod_cidrs: _Part[dict[str, Any]] = _Part()
    feature_gates: _Part[Mapping[str, bool]] = _Part()

    @property
    def store(self) -> Store:
        return self._view_store or self.core.store

    #: The store client calls go through in a view made by :meth:`through` (None: the core's own).
    _view_store: Any = None

    def through(self, store: Any) -> Cluster:
        """This cluster with its client calls going through ``store`` (a wrapper of ``self.store``
        with the same methods, such as the API server's authorizing view for one user)."""
        view = copy.copy(self)
        view._view_store = store
        return view

    @property
    def dns_config(self) -> DnsConfig:
        """How the cluster DNS answers (CoreDNS's kubernetes plugin settings); settable."""
        return self.core.dns_config

    @dns_config.setter
    def dns_config(self, config: DnsConfig) -> None:
        self.core.dns_config = config

    # ---------------------------------------------------------------------------------- time
    @property
    def now(self) -> float:
        """Virtual seconds since the cluster started."""
        return self.core.now

    def run(self, seconds: float) -> None:
        """Advance virtual time by ``seconds``, running everything due in between."""
        self.core.run(seconds)

    def idle(self) -> bool:
        """True when nothing is scheduled: every controller and kubelet is waiting for a change."""
        return self.env.peek() == float("inf")

    def settle(self, limit: float = 3600.0) -> float:
        """Run until nothing is pending; returns the virtual time used.

        Raises :class:`NotSettled` if work is still scheduled after ``limit`` virtual seconds
        (a crash-looping pod, say, never settles).
        """
        start = self.env.now
        deadline = start + limit
        while True:
            t = self.env.peek()
            if t == float("inf"):
                return float(self.env.now - start)
            if t > deadline:
                self.env.run_until(deadline)
                raise NotSettled(f"still busy after {limit:g} virtual seconds")
            self.env.step()

    def run_until_quiet(self, quiet: float = 5.0, limit: float = 3600.0) -> float:
        """Run until no object changed for ``quiet`` virtual seconds, or nothing is pending."""
        start = self.env.now
        while self.env.now - start < limit:
            if self.idle():
                break
            rv = self.store.resource_version
            self.env.run_until(min(self.env.now + quiet, start + limit))
            if self.store.resource_version == rv:
                break
        return float(self.env.now - start)

    def fork(self) -> Cluster:
        """A copy that continues exactly as this cluster would, from the same inputs.

        Stored objects are shared; queues, caches, RNG streams and runtimes are copied. Only a
        cluster that has not run yet or has settled can be forked (:class:`~simk8s.core.fork.ForkError`
        otherwise): see :mod:`simk8s.core.fork`.
        """
        return fork_core(self.core, [self])[1][0]

    # --------------------------------------------------------------------------- client API
    def kind(self, resource: str | Kind) -> Kind:
        """The kind a name stands for in this cluster: built-in (they come first, as in kubectl's
        RESTMapper), else defined by one of its CRDs."""
        if isinstance(resource, Kind):
            return resource
        try:
            return kinds.resolve(resource)
        except kinds.UnknownKind:
            return self.store.kinds.resolve(resource)

    def apply(self, source: Any, namespace: str | None = None) -> list[tuple[Kind, str, str]]:
        """``kubectl apply``: create or three-way-merge each object; returns (kind, name, action).

        ``source`` is YAML/JSON text, a path to a file or directory, a dict, or a list of those.
        The action is ``created``, ``configured`` or ``unchanged``.
        """
        return [(k, name, action) for k, name, action in client.apply_objects(
            self.store, client.objects_from(source), namespace)]

    def create(self, obj: Mapping[str, Any], namespace: str | None = None) -> dict[str, Any]:
        k = self.store.kinds.for_object(obj)
        return thaw(self.store.create(k, obj, namespace))

    def get(self, resource: str | Kind, name: str | None = None, namespace: str | None = "default", *,
            selector: str | None = None, field_selector: str | None = None) -> Any:
        """One object (by name) or a list of objects, as JSON-shaped dicts the caller may change.

        ``namespace=None`` lists all namespaces; cluster-scoped kinds ignore it.
        """
        k = self.kind(resource)
        if name is not None:
            return thaw(self.store.get(k, name, namespace))
        return [thaw(o) for o in self.list_frozen(k, namespace, selector=selector, field_selector=field_selector)]

    def list_frozen(self, resource: str | Kind, namespace: str | None = "default", *,
                    selector: str | None = None, field_selector: str | None = None) -> list[FrozenDict]:
        k = self.kind(resource)
        sel = parse_label_selector(selector) if selector else None
        fsel = parse_field_selector(field_selector) if field_selector else None
        return self.store.list(k, namespace if k.namespaced else None, selector=sel, field_selector=fsel)

    def delete(self, resource: str | Kind, name: str, namespace: str | None = "default", *,
               grace_period: int | None = None, propagation: str | None = None,
               uid: str | None = None, resource_version: str | None = None) -> dict[str, Any] | None:
        """Delete as the API does (pods gracefully); returns the object if it still exists.
        ``uid`` / ``resource_version`` are preconditions (``Conflict`` when the object is another)."""
        k = self.kind(resource)
        out = self.store.delete(k, name, namespace, grace_period=grace_period, propagation=propagation,
                                uid=uid, resource_version=resource_version)
        return thaw(out) if out is not None else None

    def patch(self, resource: str | Kind, name: str, patch: Any, namespace: str | None = "default", *,
              patch_type: str = "strategic") -> dict[str, Any]:
        """PATCH an object: ``strategic`` (default), ``merge`` or ``json``."""
        return thaw(self.store.patch(self.kind(resource), name, patch, namespace, patch_type=patch_type))

    def scale(self, resource: str | Kind, name: str, replicas: int, namespace: str | None = "default") -> None:
        self.store.scale(self.kind(resource), name, replicas, namespace)

    def add_controller(self, reconciler: Any) -> Any:
        """Run a user reconciler (``watches`` kinds, ``reconcile(cluster, key)``) in this cluster.

        See :mod:`simk8s.testing.controllers`; returns the running controller.
        """
        controller = UserController(self.core, reconciler, handle=self)
        self.controllers.append(controller)
        for kind in reconciler.watches:
            for obj in self.store.list(kind, None):
                controller.queue.add((kind, obj["metadata"].get("namespace", ""), obj["metadata"]["name"]))
        return controller

    # ------------------------------------------------------------------------------ serving
    def serve(self, *, host: str = "127.0.0.1", port: int = 0, dns_port: int | None = None,
              speed: float | None = 1.0, kubeconfig: str | None = None, bookmark_interval: float = 60.0) -> Any:
        """Serve this cluster as a live Kubernetes API (and DNS when ``dns_port`` is given).

        Returns a :class:`simk8s.serve.Endpoint`, meant for ``with cluster.serve() as endpoint:``;
        ``endpoint.url``, ``endpoint.kubeconfig``. The simulation runs at ``speed`` times the wall
        clock (None: as fast as it can while anything is due). While it serves, the server's
        thread owns the cluster: touch it only through ``endpoint.call(fn)``.
        """
        return _face("serve")(self, host=host, port=port, dns_port=dns_port, speed=speed, kubeconfig=kubeconfig,
                              bookmark_interval=bookmark_interval)

    # ----------------------------------------------------------------------------- faults
    def kubelet(self, node: str | None) -> Any:
        """The kubelet of ``node``, or None (no such node, or no controllers running)."""
        return self.core.kubelet(node)

    def _kubelet(self, node: str) -> Any:
        kubelet = self.kubelet(node)
        if kubelet is None:
            raise KeyError(node)
        return kubelet

    def fail_node(self, node: str) -> None:
        """The node stops: its kubelet posts nothing more, its containers are unreachable."""
        self.store.get("Node", node)
        self._kubelet(node).fail()

    def recover_node(self, node: str) -> None:
        """The node comes back: its kubelet resumes and reports its pods again."""
        self.store.get("Node", node)
        self._kubelet(node).recover()

    def delete_node(self, node: str) -> None:
        """Remove the Node object (its pods are then garbage-collected by PodGC)."""
        self.store.delete("Node", node)

    # --------------------------------------------------------------------------- kubectl
    def kubectl(self, cmdline: str | Sequence[str], stdin: str = "") -> Any:
        """Run a kubectl command line against this cluster: a result with stdout, stderr, code."""
        return _face("kubectl")(self, cmdline, stdin=stdin)

    def exec(self, pod: str, command: str | Sequence[str], namespace: str = "default", *,
             container: str | None = None, stdin: str = "") -> Any:
        """Run a command in a pod's container (as ``kubectl exec``): stdout, stderr, code."""
        node = self.store.get("Pod", pod, namespace)["spec"].get("nodeName")
        if not node:
            raise ApiError(f"unable to upgrade connection: container not found ({container or ''})")
        argv = ["sh", "-c", command] if isinstance(command, str) else list(command)
        return self._kubelet(node).exec(namespace, pod, container, argv, stdin)

    def resolve(self, name: str, qtype: str = "A", from_pod: str | None = None,
                namespace: str = "default") -> list[str]:
        """The answer data for ``name`` from the cluster DNS (search list of ``from_pod`` if given)."""
        return network.resolve(self.core, name, qtype, from_pod, namespace)

    def dns_reply(self, name: str, qtype: str = "A") -> Any:
        """The whole reply (a ``dnslib.DNSRecord``) the cluster DNS sends for one question about
        the fully qualified ``name``: answers, additional records, TTLs, flags."""
        return network.query(self.core, name, qtype)

    def explain_connection(self, src: Any, dst: Any, port: int, protocol: str = "TCP", *,
                           namespace: str = "default") -> Any:
        """Why may (or may not) ``src`` open a connection to ``dst`` on ``port``/``protocol``?

        ``src`` and ``dst`` are pods (``name`` in ``namespace``, ``ns/name`` or a pod dict) or IP
        addresses. Returns a :class:`simk8s.logic.netpol.Verdict`: ``.allowed``, the egress and
        ingress decisions with the policies and rules that made them, ``.explain()`` as text.
        Raises NotFound for a pod that does not exist.
        """
        def ref(x: Any) -> Any:
            if isinstance(x, str) and "/" not in x and not netpolicy.is_address(x):
                return f"{namespace}/{x}"
            return x

        return netpolicy.verdict(self.core, ref(src), ref(dst), int(port), protocol.upper())

    def objects(self) -> Iterable[tuple[Kind, FrozenDict]]:
        return self.store.iter_all()

    def _repr_html_(self) -> str:
        """A notebook cell showing a cluster shows its pods, sets and claims as kubectl tables."""
        return str(_face("html")(self))

    def __repr__(self) -> str:
        pods = self.store.count("Pod")
        return f"<Cluster seed={self.seed} t={self.env.now:g}s nodes={self.store.count('Node')} pods={pods}>"



def _start(core: Core) -> list[Any]:
    """The control plane, then a kubelet per node, in the order their watches should fire."""
    return [*controllers.start_all(core), *start_kubelets(core)]
