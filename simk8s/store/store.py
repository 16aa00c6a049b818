"""The object store: the etcd + API server analogue, and the only state of a cluster.

Every write goes through the API layer's rules (strict decoding, defaulting, admission,
validation), gets a resourceVersion from one monotonic counter, is frozen (so nobody can change it
behind the store's back), appended to the watch log and announced to subscribers. Reads hand out
the frozen objects themselves: callers that want to change one build a new object
(:func:`~simk8s.api.frozen.assoc_in`, :func:`~simk8s.api.frozen.thaw`) and write it back.

The store knows no simpy: time comes from an injected clock (seconds since the cluster's epoch),
randomness (uids, generated names) from an injected ``random.Random``.
"""

from __future__ import annotations

import copy
import random
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

import simk8s.api.kinds as kinds
import simk8s.store.crds as crds
from simk8s.api import patch as patches
from simk8s.api.crd.definition import CRD, CustomKind
from simk8s.api.crd.objects import set_path
from simk8s.api.defaults import apply_defaults
from simk8s.api.errors import (
    AlreadyExists,
    BadRequest,
    Conflict,
    FieldError,
    Invalid,
    NotFound,
)
from simk8s.api.frozen import FrozenDict, freeze, frozen_dict, get_in, thaw
from simk8s.api.kinds import Kind
from simk8s.api.strategy import (
    deletion_grace_period,
    generation_changed,
    has_scale,
    has_status,
    initial_status,
    replicas_path,
    scale_of,
)
from simk8s.api.times import format_time
from simk8s.api.validation import validate
from simk8s.fastpaths import FAST
from simk8s.store.requests import decode_body, decode_patched, keep_server_fields, ordered_obj
from simk8s.store.tables import INDEXES, Table
from simk8s.store.watch import Admission, WatchLog

__all__ = ["COPIER", "DEFAULT_EPOCH", "Store"]

DEFAULT_EPOCH = datetime(2024, 6, 1, 9, 0, 0, tzinfo=UTC)
#: The key under which a deepcopy memo may carry the copier to use for the parts (``Cluster.fork``).
COPIER = "simk8s.copier"
NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
GENERATE_NAME_BASE_MAX = 58

Obj = Mapping[str, Any]
KindRef = Kind | str


class Store(WatchLog):
    """CRUD with resourceVersions, graceful deletion, finalizers, subresources and a watch log."""

    def __init__(self, *, clock: Callable[[], float] = lambda: 0.0, rng: random.Random | None = None,
                 epoch: datetime = DEFAULT_EPOCH, admission: Sequence[Admission] = ()) -> None:
        self.clock = clock
        self.rng = rng or random.Random(0)
        self.epoch = epoch
        self.admission: list[Admission] = list(admission)
        #: The kinds this cluster serves: the built-ins and those its CustomResourceDefinitions add.
        self.kinds = kinds.BUILTIN.copy()
        self._objs: dict[str, Table] = {k.kind: Table(INDEXES.get(k.kind)) for k in self.kinds}
        self._rv = 0
        WatchLog.__init__(self)
        self._stamp: tuple[int | None, str] = (None, "")   # the last timestamp() and its second

    # ---------------------------------------------------------------------------------- helpers
    @property
    def resource_version(self) -> int:
        return self._rv

    def kind_version(self, kind: KindRef) -> int:
        """The resourceVersion of the last change to any object of ``kind`` (0 if none)."""
        return self._kind_rv.get(self._kind(kind).kind, 0)

    def now(self) -> datetime:
        """The virtual wall clock: the epoch plus the simulated seconds, truncated to the second."""
        return self.epoch + timedelta(seconds=int(self.clock()))

    def timestamp(self, offset: float = 0) -> str:
        second = int(self.clock() + offset)
        if self._stamp[0] != second:
            self._stamp = (second, format_time(self.epoch + timedelta(seconds=second)))
        return self._stamp[1]

    def new_uid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def random_suffix(self, n: int = 5) -> str:
        return "".join(self.rng.choice(NAME_ALPHABET) for _ in range(n))

    def _kind(self, kind: KindRef) -> Kind:
        return kind if isinstance(kind, Kind) else self.kinds.resolve(kind)

    def serve_kind(self, k: Kind) -> None:
        """Serve ``k`` (a CRD's kind; the objects of a kind it replaces stay)."""
        self.kinds.add(k)
        self._objs.setdefault(k.kind, Table())

    def forget_kind(self, kind: str) -> None:
        """Stop serving the kind named ``kind``, whose objects are gone."""
        self.kinds.remove(kind)
        self._objs.pop(kind, None)

    def _emit(self, type_: str, kind: Kind, obj: FrozenDict, old: FrozenDict | None) -> None:
        super()._emit(type_, kind, obj, old)
        if kind is CRD or (type_ == "DELETED" and isinstance(kind, CustomKind)):
            crds.observe(self, self.log[-1])     # the apiextensions controllers react at once

    def _ns(self, kind: Kind, namespace: str | None) -> str:
        return (namespace or "default") if kind.namespaced else ""

    def _check_namespace(self, kind: Kind, ns: str) -> None:
        if not kind.namespaced:
            return
        existing = self._objs["Namespace"].get(("", ns))
        if existing is None:
            raise NotFound(f'namespaces "{ns}" not found', details={"name": ns, "kind": "namespaces"})

    # ------------------------------------------------------------------------------------ reads
    def try_get(self, kind: KindRef, name: str, namespace: str | None = None) -> FrozenDict | None:
        k = self._kind(kind)
        return self._objs[k.kind].get((self._ns(k, namespace), name))

    def get(self, kind: KindRef, name: str, namespace: str | None = None) -> FrozenDict:
        k = self._kind(kind)
        obj = self._objs[k.kind].get((self._ns(k, namespace), name))
        if obj is None:
            raise NotFound.for_object(k, name)
        return obj

    def list(self, kind: KindRef, namespace: str | None = None, *,
             selector: Any = None, field_selector: Any = None,
             where: Callable[[FrozenDict], bool] | None = None) -> list[FrozenDict]:
        """Objects of ``kind`` sorted by (namespace, name) as etcd lists them.

        ``namespace=None`` lists all namespaces. ``selector`` / ``field_selector`` are parsed
        selectors (anything with ``matches``); ``where`` is a plain predicate.
        """
        k = self._kind(kind)
        table = self._objs[k.kind]
        by_key = table.by_key
        if selector is None and field_selector is None and where is None:
            return [by_key[key] for key in table.ordered(namespace if k.namespaced else None)]
        out = []
        for key in table.ordered(namespace if k.namespaced else None):
            obj = by_key[key]
            if selector is not None and not selector.matches(obj["metadata"].get("labels") or {}):
                continue
            if field_selector is not None and not field_selector.matches(obj):
                continue
            if where is not None and not where(obj):
                continue
            out.append(obj)
        return out

    def view(self, kind: KindRef, namespace: str | None = None) -> Mapping[str, FrozenDict]:
        """A read-only, live mapping name -> object of one namespace (cluster-scoped kinds: all),
        for readers that look objects up by name many times (no list is built)."""
        k = self._kind(kind)
        table = self._objs[k.kind]
        table.own()
        return MappingProxyType(table.by_ns.setdefault(self._ns(k, namespace), {}))

    def by_index(self, kind: KindRef, index: str, value: Any) -> Sequence[FrozenDict]:
        """Objects of ``kind`` whose index ``index`` (see :data:`INDEXES`) holds ``value``, in
        (namespace, name) order: ``by_index("Pod", "claim", ("default", "www-web-0"))``."""
        return self._objs[self._kind(kind).kind].lookup(index, value)

    def iter_all(self) -> Iterator[tuple[Kind, FrozenDict]]:
        for k in self.kinds:
            table = self._objs[k.kind]
            for key in table.ordered():
                yield k, table.by_key[key]

    def count(self, kind: KindRef) -> int:
        return len(self._objs[self._kind(kind).kind])

    # ----------------------------------------------------------------------------------- create
    def create(self, kind: KindRef, obj: Obj, namespace: str | None = None, *,
               dry_run: bool = False) -> FrozenDict:
        """Create ``obj``: the API server's whole create pipeline; returns the stored object."""
        k = self._kind(kind)
        body = decode_body(k, obj)
        ns, meta = self._create_meta(k, body, namespace)
        crds.check_create(self, k)
        apply_defaults(k, body)
        for plugin in self.admission:
            plugin("CREATE", k, body, None)
        status = initial_status(k, body)
        if status is not None:
            body["status"] = status
        elif isinstance(k, CustomKind) and k.status_subresource:
            body.pop("status", None)     # a custom resource's status is written through /status only
        name = meta.get("name", "")
        errors = validate(k, body)
        if errors:
            raise Invalid.for_object(k, name, errors)
        if (ns, name) in self._objs[k.kind]:
            raise AlreadyExists.for_object(k, name)
        if dry_run:
            return freeze(ordered_obj(k, body))
        return self._commit_create(k, ns, body)

    def create_trusted(self, kind: KindRef, obj: Obj, namespace: str | None = None) -> FrozenDict:
        """Create an object the simulator built itself (Events, Endpoints, EndpointSlices, and the
        cluster's bootstrap objects as a dry-run ``create`` prepared them).

        Like :meth:`create` (namespace, generateName, uid, resourceVersion, creationTimestamp,
        AlreadyExists, the watch event) without the schema check, defaulting, admission and
        validation those objects cannot need, and without copying their frozen parts.
        """
        k = self._kind(kind)
        body = dict(obj)
        body["metadata"] = dict(obj.get("metadata") or {})
        ns, meta = self._create_meta(k, body, namespace)
        if (ns, meta.get("name", "")) in self._objs[k.kind]:
            raise AlreadyExists.for_object(k, meta.get("name", ""))
        if FAST.verify_trusted:
            self._verify_trusted(k, body, None)
        return self._commit_create(k, ns, body)

    def _create_meta(self, k: Kind, body: dict[str, Any], namespace: str | None) -> tuple[str, dict[str, Any]]:
        """The namespace and the client-settable metadata of a create (server fields dropped)."""
        meta = body.setdefault("metadata", {}) or {}
        body["metadata"] = meta
        ns = self._ns(k, namespace or meta.get("namespace"))
        if k.namespaced:
            if meta.get("namespace") and namespace and meta["namespace"] != namespace:
                raise BadRequest("the namespace of the provided object does not match the namespace sent "
                                 "on the request")
            meta["namespace"] = ns
        else:
            meta.pop("namespace", None)
        self._check_namespace(k, ns)
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = self._generate_name(k, ns, meta["generateName"])
        for field in ("uid", "resourceVersion", "creationTimestamp", "deletionTimestamp",
                      "deletionGracePeriodSeconds", "generation", "selfLink"):
            meta.pop(field, None)
        return ns, meta

    def _commit_create(self, k: Kind, ns: str, body: dict[str, Any]) -> FrozenDict:
        """Add the server-set metadata (uid, resourceVersion, generation, creationTimestamp), store, emit."""
        meta = body["metadata"]
        self._rv += 1
        meta["uid"] = self.new_uid()
        meta["resourceVersion"] = str(self._rv)
        if generation_changed(k, body, body) is not None:
            meta["generation"] = 1
        meta["creationTimestamp"] = self.timestamp()
        stored = freeze(ordered_obj(k, body))
        self._objs[k.kind].put((ns, meta.get("name", "")), stored)
        self._emit("ADDED", k, stored, None)
        return stored

    def _generate_name(self, k: Kind, ns: str, base: str) -> str:
        base = base[:GENERATE_NAME_BASE_MAX]
        for _ in range(8):
            name = base + self.random_suffix()
            if (ns, name) not in self._objs[k.kind]:
                return name
        return base + self.random_suffix()

    # ----------------------------------------------------------------------------------- update
    def update(self, kind: KindRef, obj: Obj, *, subresource: str | None = None,
               dry_run: bool = False) -> FrozenDict:
        """Replace an object (PUT), honouring ``metadata.resourceVersion`` as a precondition.

        For kinds with a status subresource, the main resource keeps the stored status and
        ``subresource="status"`` changes only the status (and finalizers cannot be touched there).
        """
        k = self._kind(kind)
        body = decode_body(k, obj)
        meta = body.get("metadata") or {}
        body["metadata"] = meta
        ns, name, old = self._current_for_update(k, meta)
        if subresource == "status" and isinstance(k, CustomKind) and not k.status_subresource:
            raise NotFound("the server could not find the requested resource")
        if subresource == "status":
            new = thaw(old)
            new["status"] = body.get("status", {})
            body = new
        else:
            if has_status(k):
                if "status" in old:
                    body["status"] = thaw(old["status"])
                else:
                    body.pop("status", None)
            keep_server_fields(meta, old)
            apply_defaults(k, body)
            for plugin in self.admission:
                plugin("UPDATE", k, body, old)
        errors = validate(k, body, old)
        if errors:
            raise Invalid.for_object(k, name, errors)
        return self._commit_update(k, ns, name, old, body, dry_run=dry_run)

    def replace_trusted(self, kind: KindRef, obj: Obj) -> FrozenDict:
        """Replace an object the simulator built itself (see :meth:`create_trusted`).

        Like :meth:`update` (resourceVersion precondition, server-owned fields, no-op detection,
        the watch event) without schema check, defaulting, admission and validation; the frozen
        parts of ``obj`` are stored as they are. Not for kinds with a status subresource.
        """
        k = self._kind(kind)
        if has_status(k):
            raise TypeError(f"replace_trusted does not handle the status of {k.kind}")
        body = dict(obj)
        meta = body["metadata"] = dict(obj["metadata"])
        ns, name, old = self._current_for_update(k, meta)
        keep_server_fields(meta, old)
        if FAST.verify_trusted:
            self._verify_trusted(k, body, old)
        return self._commit_update(k, ns, name, old, body)

    @staticmethod
    def _verify_trusted(k: Kind, body: Mapping[str, Any], old: FrozenDict | None) -> None:
        """Debug mode: a trusted write must pass the checks it skips (a refusal is a simulator bug)."""
        plain = thaw(body)
        errors = validate(k, plain, old)
        if errors:
            raise AssertionError(f"trusted write of {k.kind} {plain.get('metadata', {}).get('name')!r} would be "
                                 f"refused: {[str(e) for e in errors]}")

    def _current(self, k: Kind, ns: str, name: str, uid: str | None = None,
                 resource_version: str | None = None) -> FrozenDict:
        """The stored object; NotFound, or Conflict when a ``uid`` or ``resource_version``
        precondition fails (storage.Preconditions.Check, worded as the API server words it)."""
        old = self._objs[k.kind].get((ns, name))
        if old is None:
            raise NotFound.for_object(k, name)
        if uid is not None and old["metadata"]["uid"] != uid:
            raise Conflict.for_object(k, name, f"Precondition failed: UID in precondition: {uid}, UID in object "
                                               f"meta: {old['metadata']['uid']}")
        if resource_version is not None and old["metadata"]["resourceVersion"] != resource_version:
            raise Conflict.for_object(k, name, f"Precondition failed: ResourceVersion in precondition: "
                                               f"{resource_version}, ResourceVersion in object meta: "
                                               f"{old['metadata']['resourceVersion']}")
        return old

    def _current_for_update(self, k: Kind, meta: Mapping[str, Any]) -> tuple[str, str, FrozenDict]:
        """Namespace, name and stored object an update names; NotFound, or Conflict when the body's
        ``uid`` (a precondition of every PUT) or ``resourceVersion`` (optimistic concurrency;
        ``""`` and ``"0"`` mean unconditional) is not the stored one's."""
        ns = self._ns(k, meta.get("namespace"))
        name = meta.get("name", "")
        old = self._current(k, ns, name, meta.get("uid") or None)
        rv = meta.get("resourceVersion")
        if rv and rv != "0" and rv != old["metadata"]["resourceVersion"]:
            if not rv.isdigit() or int(rv) >= 2**64:
                why = "invalid syntax" if not rv.isdigit() else "value out of range"
                raise Invalid.for_object(k, name, [FieldError.invalid(
                    "resourceVersion", rv, f'strconv.ParseUint: parsing "{rv}": {why}')])
            raise Conflict.for_object(k, name)
        return ns, name, old

    def _commit_update(self, k: Kind, ns: str, name: str, old: FrozenDict, body: dict[str, Any], *,
                       dry_run: bool = False) -> FrozenDict:
        meta = body["metadata"]
        meta["resourceVersion"] = old["metadata"]["resourceVersion"]
        if generation_changed(k, body, old):
            meta["generation"] = old["metadata"].get("generation", 1) + 1
        candidate = freeze(ordered_obj(k, body))
        if candidate == old:
            return old
        if dry_run:
            return candidate
        # An object being deleted goes away once its last finalizer is removed.
        if (old["metadata"].get("deletionTimestamp") and not meta.get("finalizers")
                and not meta.get("deletionGracePeriodSeconds")):
            return self._remove(k, ns, name, candidate)
        self._rv += 1
        meta["resourceVersion"] = str(self._rv)
        # The candidate with its new resourceVersion: only the top level and metadata are new.
        stored = frozen_dict({**candidate, "metadata": frozen_dict({**candidate["metadata"],
                                                                    "resourceVersion": meta["resourceVersion"]})})
        self._objs[k.kind].put((ns, name), stored)
        self._emit("MODIFIED", k, stored, old)
        return stored

    def set_status(self, kind: KindRef, name: str, namespace: str | None, status: Mapping[str, Any], *,
                   uid: str | None = None) -> FrozenDict:
        """The status subresource for trusted in-cluster writers (kubelet, controllers).

        Only ``status`` changes: the rest of the stored object is shared, not copied or
        re-validated, which is what makes status-heavy workloads cheap. ``uid`` is a precondition.
        """
        k = self._kind(kind)
        ns = self._ns(k, namespace)
        old = self._current(k, ns, name, uid)
        new_status = freeze(status)
        if old.get("status") == new_status:
            return old
        if FAST.verify_trusted:
            self._verify_trusted(k, {**old, "status": new_status}, old)
        self._rv += 1
        body = dict(old)
        body["metadata"] = frozen_dict({**old["metadata"], "resourceVersion": str(self._rv)})
        body["status"] = new_status
        stored = frozen_dict(body)
        self._objs[k.kind].put((ns, name), stored)
        self._emit("MODIFIED", k, stored, old)
        return stored

    def update_status(self, kind: KindRef, obj: Obj) -> FrozenDict:
        return self.update(kind, obj, subresource="status")

    def mutate(self, kind: KindRef, name: str, namespace: str | None, fn: Callable[[dict[str, Any]], Any],
               *, subresource: str | None = None) -> FrozenDict:
        """Read, change a thawed copy with ``fn`` and write it back (a read-modify-write)."""
        cur = self.get(kind, name, namespace)
        body = thaw(cur)
        fn(body)
        return self.update(kind, body, subresource=subresource)

    def patch(self, kind: KindRef, name: str, patch: Any, namespace: str | None = None, *,
              patch_type: str = "strategic", subresource: str | None = None,
              dry_run: bool = False) -> FrozenDict:
        """PATCH: ``strategic`` (default), ``merge`` or ``json``."""
        k = self._kind(kind)
        cur = self.get(k, name, namespace)
        if subresource == "scale":
            if not has_scale(k):
                raise NotFound("the server could not find the requested resource")
            # The patch applies to the autoscaling/v1 Scale; only its spec.replicas is written back.
            base, k_patch = scale_of(cur, k), "Scale"
        else:
            base, k_patch = thaw(cur), k.kind
        try:
            if patch_type == "merge":
                new = patches.merge_patch(base, patch)
            elif patch_type == "json":
                new = patches.json_patch(base, patch)
            elif patch_type == "strategic":
                new = patches.strategic_merge_patch(base, patch, k_patch)
            else:
                raise BadRequest(f"unknown patch type {patch_type!r}")
        except patches.PatchError as e:
            raise patches.server_error(e, patch_type) from None
        if not isinstance(new, dict):
            raise BadRequest("the patch did not produce an object")
        if subresource == "scale":
            replicas = (new.get("spec") or {}).get("replicas", 0)
            if not isinstance(replicas, int) or isinstance(replicas, bool):
                raise BadRequest(f"json: cannot unmarshal {type(replicas).__name__} into Go struct field "
                                 "ScaleSpec.spec.replicas of type int32")
            return self.scale(k, name, replicas, namespace)
        new = decode_patched(k, new, patch, patch_type)
        meta = new.setdefault("metadata", {})
        if meta.get("name", "") != name:
            raise BadRequest(f"the name of the object ({meta.get('name', '')}) does not match the name on the URL "
                             f"({name})")
        ns = cur["metadata"].get("namespace", "")
        if ns and meta.get("namespace") and meta["namespace"] != ns:
            raise BadRequest(f"the namespace of the object ({meta['namespace']}) does not match the namespace on "
                             f"the URL ({ns})")
        meta["namespace"] = ns
        # The patched object keeps the stored resourceVersion unless the patch set one: a stale one
        # is a precondition that fails (409), as the API server's update of the patched object does.
        return self.update(k, new, subresource=subresource, dry_run=dry_run)

    # ----------------------------------------------------------------------------------- delete
    def delete(self, kind: KindRef, name: str, namespace: str | None = None, *,
               grace_period: int | None = None, propagation: str | None = None,
               uid: str | None = None, resource_version: str | None = None,
               dry_run: bool = False) -> FrozenDict | None:
        """Delete as the API server does; returns the object as it stands afterwards.

        Pods with a grace period get ``deletionTimestamp`` and stay until the kubelet (or a
        zero-grace delete) finishes; objects with finalizers stay until those are removed.
        ``propagation`` (Orphan / Foreground / Background) adds the garbage collector's
        finalizers. ``uid`` and ``resource_version`` are DeleteOptions preconditions (409 when
        the stored object is another). Returns None when the object is gone.
        """
        k = self._kind(kind)
        ns = self._ns(k, namespace)
        old = self._current(k, ns, name, uid, resource_version)
        if dry_run:
            return old
        meta = thaw(old["metadata"])
        finalizers: list[str] = list(meta.get("finalizers") or [])
        if k is CRD:
            crds.on_delete(self, old, finalizers)
        policy = propagation
        if policy == "Orphan" and "orphan" not in finalizers:
            finalizers.append("orphan")
        elif policy == "Foreground" and "foregroundDeletion" not in finalizers:
            finalizers.append("foregroundDeletion")
        grace = deletion_grace_period(k, old, grace_period)
        existing_ts = meta.get("deletionTimestamp")
        if existing_ts:
            # Already terminating: a delete may only shorten the grace period. The shortened
            # object is written (MODIFIED) before it is removed, as the API server's store does.
            current = meta.get("deletionGracePeriodSeconds", 0) or 0
            if grace >= current and finalizers == list(meta.get("finalizers") or []):
                return old
            if grace < current:
                meta["deletionGracePeriodSeconds"] = grace
                meta["deletionTimestamp"] = self.timestamp(grace)
        elif grace > 0 or finalizers:
            meta["deletionTimestamp"] = self.timestamp(grace)
            meta["deletionGracePeriodSeconds"] = grace
        else:
            self._remove(k, ns, name, old)
            return None
        if finalizers:
            meta["finalizers"] = finalizers
        body = thaw(old)
        body["metadata"] = meta
        if not finalizers and meta.get("deletionGracePeriodSeconds", 0) == 0 and not existing_ts:
            self._remove(k, ns, name, freeze(ordered_obj(k, body)))
            return None
        self._rv += 1
        meta["resourceVersion"] = str(self._rv)
        stored = freeze(ordered_obj(k, body))
        self._objs[k.kind].put((ns, name), stored)
        self._emit("MODIFIED", k, stored, old)
        if not finalizers and meta.get("deletionGracePeriodSeconds", 0) == 0:
            self._remove(k, ns, name, stored)
            return None
        return stored

    def _remove(self, k: Kind, ns: str, name: str, last: FrozenDict) -> FrozenDict:
        old = self._objs[k.kind].pop((ns, name))
        self._rv += 1
        body = thaw(last)
        body["metadata"]["resourceVersion"] = str(self._rv)
        final = freeze(body)
        self._emit("DELETED", k, final, old)
        return final

    # ------------------------------------------------------------------------------ subresources
    def bind(self, pod_name: str, namespace: str, node_name: str) -> FrozenDict:
        """The pods/binding subresource: set ``spec.nodeName`` and the PodScheduled condition."""
        k = kinds.lookup("Pod")
        pod = self.get(k, pod_name, namespace)
        if get_in(pod, ("spec", "nodeName")):
            raise Conflict.for_object(k, pod_name, f"pod {pod_name} is already assigned to node "
                                                   f'"{pod["spec"]["nodeName"]}"')
        if pod["metadata"].get("deletionTimestamp"):
            raise Conflict.for_object(k, pod_name, f"pod {pod_name} is being deleted, cannot be assigned "
                                                   f"to a host")
        # Only spec, status and metadata change: the rest of the stored pod is shared.
        conditions = [c for c in pod["status"].get("conditions", []) if c.get("type") != "PodScheduled"]
        conditions.append({"lastProbeTime": None, "lastTransitionTime": self.timestamp(),
                           "status": "True", "type": "PodScheduled"})
        body = {**pod, "metadata": dict(pod["metadata"]), "spec": {**pod["spec"], "nodeName": node_name},
                "status": {**pod["status"], "conditions": conditions}}
        return self._commit_update(k, namespace, pod_name, pod, body)

    def scale(self, kind: KindRef, name: str, replicas: int, namespace: str | None = None) -> FrozenDict:
        """The scale subresource: change ``spec.replicas`` only."""
        k = self._kind(kind)
        if not has_scale(k):
            raise NotFound("the server could not find the requested resource")
        if replicas < 0:
            raise Invalid.for_object(k, name, [FieldError.invalid(
                "spec.replicas", replicas, "must be greater than or equal to 0")])
        path = replicas_path(k)
        return self.mutate(k, name, namespace, lambda b: set_path(b, path, replicas))

    # ------------------------------------------------------------------------------------ state
    def __deepcopy__(self, memo: dict[Any, Any]) -> Store:
        """The store of a forked cluster (``Cluster.fork``): tables copy-on-write, the watch log's
        events and every object shared, everything else copied."""
        new = Store.__new__(Store)
        memo[id(self)] = new
        state = dict(self.__dict__)
        own = {"_objs": {kind: table.fork() for kind, table in self._objs.items()},
               "log": list(self.log), "_dispatch": {}, "_kind_rv": dict(self._kind_rv)}
        deep = memo.get(COPIER, copy.deepcopy)
        for name, value in state.items():
            state[name] = own[name] if name in own else deep(value, memo)
        new.__dict__.update(state)
        return new

    def snapshot(self) -> dict[str, Any]:
        """Everything needed to resume: objects, counters, RNG state."""
        return {"objects": {k: dict(v.by_key) for k, v in self._objs.items()}, "rv": self._rv,
                "rng": self.rng.getstate()}


