"""The kubectl verbs. Each takes a :class:`~simk8s.kubectl.Context` and returns the exit code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from simk8s.api.errors import ApiError, Invalid, NotFound, kubectl_message
from simk8s.api.frozen import FrozenDict, get_in, thaw
from simk8s.api.kinds import Kind
from simk8s.api.patch import parse_patch
from simk8s.api.strategy import has_scale
from simk8s.kubectl.auth import cmd_auth
from simk8s.kubectl.common import int_flag, manifests, ns_for, quoted_name, ref_name, run_until, targets
from simk8s.kubectl.context import VERSION, CommandError, Context
from simk8s.kubectl.get import cmd_get
from simk8s.kubectl.pods import cmd_exec, cmd_logs, cmd_run
from simk8s.kubectl.workloads import (
    cmd_annotate,
    cmd_cordon,
    cmd_drain,
    cmd_label,
    cmd_rollout,
    cmd_set,
    cmd_uncordon,
    cmd_wait,
)
from simk8s.printing.describe import describe
from simk8s.printing.tabwriter import TabWriter
from simk8s.store.apply import ApplyError, apply_object, kind_or_error

__all__ = ["VERBS"]

FORCE_WARNING = ("Warning: Immediate deletion does not wait for confirmation that the running resource has been "
                 "terminated. The resource may continue to run on the cluster indefinitely.\n")


# ------------------------------------------------------------------------------------ apply
def cmd_apply(ctx: Context) -> int:
    if not ctx.args.list("filename"):
        raise CommandError("must specify one of -f and -k")
    items = manifests(ctx)
    code = 0
    for src, obj in items:
        try:
            k, name, action = apply_object(ctx.cluster.store, obj, ctx.args.get("namespace"), src)
        except (ApiError, ApplyError) as e:
            ctx.out.err((kubectl_message(e) if isinstance(e, ApiError) else f"error: {e}") + "\n")
            code = 1
            continue
        ctx.out.out(f"{ref_name(k, name)} {action}\n")
    return code


def cmd_create(ctx: Context) -> int:
    if not ctx.args.list("filename"):
        if ctx.args.positional and ctx.args.positional[0] in ("namespace", "ns"):
            name = ctx.args.positional[1]
            ctx.cluster.store.create("Namespace", {"apiVersion": "v1", "kind": "Namespace",
                                                   "metadata": {"name": name}})
            ctx.out.out(f"namespace/{name} created\n")
            return 0
        raise CommandError("must specify one of -f and -k")
    code = 0
    for src, obj in manifests(ctx):
        k = ctx.cluster.store.kinds.for_object(obj)
        try:
            created = ctx.cluster.store.create(k, obj, ns_for(ctx, k, obj))
        except ApiError as e:
            if not isinstance(e, Invalid):
                e = e.with_message(f'error when creating "{src}": {e.message}')
            ctx.out.err(kubectl_message(e) + "\n")
            code = 1
            continue
        ctx.out.out(f"{ref_name(k, created['metadata']['name'])} created\n")
    return code


# ----------------------------------------------------------------------------------- delete
def cmd_delete(ctx: Context) -> int:
    a = ctx.args
    force = a.bool("force")
    grace: int | None = None
    if a.get("grace-period") is not None:
        grace = int(a.get("grace-period") or "0")
        if grace < 0:
            grace = None
        elif grace == 0 and not force:
            grace = 1
    if force and grace is None:
        grace = 0
    cascade = (a.get("cascade") or "background").lower()
    propagation = {"background": "Background", "foreground": "Foreground", "orphan": "Orphan",
                   "true": "Background", "false": "Orphan"}.get(cascade)
    if propagation is None:
        raise CommandError(f'invalid cascade value ({cascade}). Must be "background", "foreground", or "orphan".')
    if not a.list("filename") and a.positional and "/" not in a.positional[0] and len(a.positional) == 1 \
            and a.get("selector") is None and not a.bool("all"):
        raise CommandError("resource(s) were provided, but no name was specified")
    pairs = targets(ctx)
    if not pairs:
        ctx.out.err("No resources found\n")
        return 0
    if force and grace == 0:
        ctx.out.err(FORCE_WARNING)
    code = 0
    gone: list[tuple[Kind, str, str | None, str]] = []
    store = ctx.cluster.store
    for k, name in pairs:
        ns = ns_for(ctx, k)
        if a.list("filename"):
            for _, obj in manifests(ctx):
                if obj["metadata"]["name"] == name and ctx.cluster.store.kinds.for_object(obj) == k:
                    ns = ns_for(ctx, k, obj)
        try:
            ctx.authorize("delete", k, name, namespace=ns or "")  # kubectl deletes without reading first
            cur = store.get(k, name, ns)
            store.delete(k, name, ns, grace_period=grace, propagation=propagation)
        except NotFound as e:
            if a.bool("ignore-not-found"):
                continue
            ctx.out.err(kubectl_message(e) + "\n")
            code = 1
            continue
        ctx.out.out(f"{quoted_name(k, name)} {'force deleted' if force and grace == 0 else 'deleted'}\n")
        gone.append((k, name, ns, cur["metadata"]["uid"]))
    if a.bool("wait", True) and gone:
        _wait_gone(ctx, gone)
    return code


def _wait_gone(ctx: Context, objs: list[tuple[Kind, str, str | None, str]], limit: float = 3600.0) -> bool:
    cluster = ctx.cluster

    def remaining() -> bool:
        for k, name, ns, uid in objs:
            cur = cluster.store.try_get(k, name, ns)
            if cur is not None and cur["metadata"]["uid"] == uid:
                return True
        return False

    return run_until(cluster, lambda: not remaining(), limit)


# ---------------------------------------------------------------------------- scale / patch
def cmd_scale(ctx: Context) -> int:
    replicas = ctx.args.get("replicas")
    if replicas is None:
        raise CommandError('required flag(s) "replicas" not set')
    n = int_flag("replicas", replicas)
    if n < 0:
        raise CommandError("The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0")
    for k, name in targets(ctx):
        if not has_scale(k):
            raise CommandError(f"cannot scale {k.kubectl_name}")
        ctx.cluster.store.get(k, name, ns_for(ctx, k))  # kubectl reads the object before scaling it
        ctx.cluster.store.scale(k, name, n, ns_for(ctx, k))
        ctx.out.out(f"{ref_name(k, name)} scaled\n")
    return 0


def cmd_patch(ctx: Context) -> int:
    text = ctx.args.get("patch")
    if text is None:
        raise CommandError("must specify -p to patch")
    ptype = ctx.args.get("type") or "strategic"
    if ptype not in ("strategic", "merge", "json"):
        raise CommandError(f'--type must be one of [json merge strategic], not "{ptype}"')
    try:
        patch = parse_patch(text)
    except ValueError as e:
        message = str(e)
        raise CommandError(message if message.startswith("unable to parse") else
                           f"unable to parse \"{text}\": {message}") from None
    subresource = ctx.args.get("subresource")
    if subresource is not None and subresource not in ("status", "scale"):
        raise CommandError(f'invalid subresource value: "{subresource}". Must be one of [status scale]')
    for k, name in targets(ctx, allow_selector=False):
        ns = ns_for(ctx, k)
        before = ctx.cluster.store.get(k, name, ns)
        after = ctx.cluster.store.patch(k, name, patch, ns, patch_type=ptype, subresource=subresource)
        suffix = " (no change)" if after is before else ""
        # The server answers a /scale patch with the Scale, which kubectl names.
        ref = f"scale.autoscaling/{name}" if subresource == "scale" else ref_name(k, name)
        ctx.out.out(f"{ref} patched{suffix}\n")
    return 0


# ------------------------------------------------------------------------------- describe
def cmd_describe(ctx: Context) -> int:
    pos = ctx.args.positional
    if not pos:
        raise CommandError("You must specify the type of resource to describe. Use \"kubectl api-resources\" "
                           "for a complete list of supported resources.")
    if "/" in pos[0] or len(pos) > 1:
        pairs = targets(ctx)
    else:
        k = kind_or_error(pos[0], ctx.cluster.store.kinds)
        ns = None if ctx.all_namespaces else ctx.namespace
        pairs = [(k, o["metadata"]["name"]) for o in ctx.cluster.list_frozen(
            k, ns, selector=ctx.args.get("selector"))]
        if not pairs:
            ctx.out.err(f"No resources found in {ctx.namespace} namespace.\n")
            return 0
    store = ctx.cluster.store
    texts = []
    code = 0
    for k, name in pairs:
        try:
            obj = store.get(k, name, ns_for(ctx, k))
        except NotFound as e:
            ctx.out.err(kubectl_message(e) + "\n")
            code = 1
            continue
        uid = obj["metadata"]["uid"]
        events = [thaw(e) for e in store.list("Event", None) if e["involvedObject"].get("uid") == uid]
        related = _related(ctx, k, obj)
        texts.append(describe(k.kind, thaw(obj), now=store.now(), events=events, related=related))
    ctx.out.out("\n\n".join(t.rstrip("\n") + "\n" for t in texts) if texts else "")
    return code


def _related(ctx: Context, k: Kind, obj: FrozenDict) -> dict[str, Any]:
    store = ctx.cluster.store
    ns = obj["metadata"].get("namespace")
    related: dict[str, Any] = {}
    if k.kind == "StatefulSet":
        uid = obj["metadata"]["uid"]
        related["pods"] = [thaw(p) for p in store.list("Pod", ns, where=lambda p: any(
            r.get("uid") == uid for r in p["metadata"].get("ownerReferences") or ()))]
    elif k.kind == "PersistentVolumeClaim":
        name = obj["metadata"]["name"]
        related["pods"] = [thaw(p) for p in store.list("Pod", ns, where=lambda p: any(
            get_in(v, ("persistentVolumeClaim", "claimName")) == name for v in p["spec"].get("volumes") or ()))]
    elif k.kind == "Service":
        ep = store.try_get("Endpoints", obj["metadata"]["name"], ns)
        related["endpoints"] = thaw(ep) if ep is not None else None
        related["endpointslices"] = [thaw(s) for s in store.list("EndpointSlice", ns, where=lambda s: (
            s["metadata"].get("labels") or {}).get("kubernetes.io/service-name") == obj["metadata"]["name"])]
    return related


# --------------------------------------------------------------------------------- misc
def cmd_version(ctx: Context) -> int:
    ctx.out.out(f"Client Version: {VERSION}\nKustomize Version: v5.5.0\nServer Version: {VERSION}\n")
    return 0


def cmd_api_resources(ctx: Context) -> int:
    rows = [["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]]
    for k in sorted(ctx.cluster.store.kinds, key=lambda k: (k.group, k.plural)):
        rows.append([k.plural, ",".join(k.short_names), k.api_version, str(k.namespaced).lower(), k.kind])
    ctx.out.out(TabWriter(remember_widths=False).format(rows))
    return 0


VERBS: dict[str, Callable[[Context], int]] = {
    "get": cmd_get,
    "apply": cmd_apply,
    "create": cmd_create,
    "delete": cmd_delete,
    "scale": cmd_scale,
    "patch": cmd_patch,
    "describe": cmd_describe,
    "version": cmd_version,
    "logs": cmd_logs,
    "exec": cmd_exec,
    "run": cmd_run,
    "label": cmd_label,
    "annotate": cmd_annotate,
    "cordon": cmd_cordon,
    "uncordon": cmd_uncordon,
    "drain": cmd_drain,
    "rollout": cmd_rollout,
    "set": cmd_set,
    "wait": cmd_wait,
    "api-resources": cmd_api_resources,
    "auth": cmd_auth,
}

