"""kubectl verbs that change workloads and nodes: label, annotate, set image, rollout, wait, cordon, drain."""

from __future__ import annotations

import re
from typing import Any

from simk8s.api.errors import ApiError, NotFound, kubectl_message
from simk8s.api.frozen import get_in, thaw
from simk8s.api.kinds import Kind
from simk8s.kubectl.args import parse_duration
from simk8s.kubectl.common import int_flag, ns_for, ref_name, run_until, targets
from simk8s.kubectl.context import CommandError, Context
from simk8s.logic.rollout import status_viewer
from simk8s.store import WatchEvent
from simk8s.store.apply import kind_or_error

__all__ = ["cmd_annotate", "cmd_cordon", "cmd_drain", "cmd_label", "cmd_rollout", "cmd_set", "cmd_uncordon",
           "cmd_wait"]


def _split_targets(ctx: Context) -> tuple[list[tuple[Kind, str]], list[str]]:
    """Objects and the ``key=value`` / ``key-`` arguments of label and annotate."""
    pos = list(ctx.args.positional)
    pairs: list[tuple[Kind, str]] = []
    changes = [p for p in pos if "=" in p or (p.endswith("-") and "/" not in p and len(p) > 1)]
    rest = [p for p in pos if p not in changes]
    if not rest:
        raise CommandError("one or more resources must be specified as <resource> <name> or <resource>/<name>")
    if "/" in rest[0]:
        for p in rest:
            res, _, name = p.partition("/")
            pairs.append((kind_or_error(res, ctx.cluster.store.kinds), name))
    else:
        k = kind_or_error(rest[0], ctx.cluster.store.kinds)
        names = rest[1:]
        if not names:
            sel = ctx.args.get("selector")
            if sel is None and not ctx.args.bool("all"):
                raise CommandError("resource(s) were provided, but no name was specified")
            names = [o["metadata"]["name"] for o in ctx.cluster.list_frozen(k, ns_for(ctx, k), selector=sel)]
        pairs = [(k, n) for n in names]
    if not changes:
        raise CommandError(f"at least one {'label' if ctx.verb == 'label' else 'annotation'} update is required")
    return pairs, changes


def _meta_update(ctx: Context, field: str, word: str) -> int:
    pairs, changes = _split_targets(ctx)
    overwrite = ctx.args.bool("overwrite")
    adds: dict[str, str] = {}
    removes: list[str] = []
    for c in changes:
        if c.endswith("-") and "=" not in c:
            removes.append(c[:-1])
        else:
            key, _, value = c.partition("=")
            adds[key] = value
    store = ctx.cluster.store
    for k, name in pairs:
        ns = ns_for(ctx, k)
        obj = thaw(store.get(k, name, ns))
        current = obj["metadata"].setdefault(field, {}) or {}
        obj["metadata"][field] = current
        for key, value in adds.items():
            if key in current and current[key] != value and not overwrite:
                raise CommandError(f"'{key}' already has a value ({current[key]}), and --overwrite is false")
            current[key] = value
        for key in removes:
            current.pop(key, None)
        if not current:
            del obj["metadata"][field]
        before = store.get(k, name, ns)
        after = store.update(k, obj)
        verb = word if adds or not removes else f"un{word}"
        if after is before:
            verb = "not " + verb
        ctx.out.out(f"{ref_name(k, name)} {verb}\n")
    return 0


def cmd_label(ctx: Context) -> int:
    return _meta_update(ctx, "labels", "labeled")


def cmd_annotate(ctx: Context) -> int:
    return _meta_update(ctx, "annotations", "annotated")


# ----------------------------------------------------------------------------------- nodes
def _set_unschedulable(ctx: Context, value: bool) -> int:
    names = ctx.args.positional
    if not names:
        raise CommandError("USAGE: cordon NODE [flags]" if value else "USAGE: uncordon NODE [flags]")
    store = ctx.cluster.store
    for name in names:
        name = name.removeprefix("node/").removeprefix("nodes/")
        node = store.get("Node", name)
        if bool(get_in(node, ("spec", "unschedulable"))) == value:
            ctx.out.out(f"node/{name} already {'cordoned' if value else 'uncordoned'}\n")
            continue
        body = thaw(node)
        if value:
            body["spec"]["unschedulable"] = True
            taints = body["spec"].setdefault("taints", [])
            taints.append({"effect": "NoSchedule", "key": "node.kubernetes.io/unschedulable",
                           "timeAdded": store.timestamp()})
        else:
            body["spec"].pop("unschedulable", None)
            taints = [t for t in body["spec"].get("taints", []) if t.get("key") != "node.kubernetes.io/unschedulable"]
            if taints:
                body["spec"]["taints"] = taints
            else:
                body["spec"].pop("taints", None)
        store.update("Node", body)
        ctx.out.out(f"node/{name} {'cordoned' if value else 'uncordoned'}\n")
    return 0


def cmd_cordon(ctx: Context) -> int:
    return _set_unschedulable(ctx, True)


def cmd_uncordon(ctx: Context) -> int:
    return _set_unschedulable(ctx, False)


def cmd_drain(ctx: Context) -> int:
    if not ctx.args.positional:
        raise CommandError("USAGE: drain NODE [flags]")
    name = ctx.args.positional[0].removeprefix("node/")
    store = ctx.cluster.store
    store.get("Node", name)
    _set_unschedulable(ctx, True)
    pods = store.list("Pod", None, where=lambda p: get_in(p, ("spec", "nodeName")) == name)
    bare = [p for p in pods if not any(r.get("controller") for r in p["metadata"].get("ownerReferences") or ())]
    if bare and not ctx.args.bool("force"):
        listing = ", ".join(f"{p['metadata']['namespace']}/{p['metadata']['name']}" for p in bare)
        ctx.out.err(f"error: unable to drain node \"{name}\" due to error: cannot delete Pods that declare no "
                    f"controller (use --force to override): {listing}, continuing command...\n"
                    f"There are pending nodes to be drained:\n {name}\n"
                    f"cannot delete Pods that declare no controller (use --force to override): {listing}\n")
        return 1
    if bare:
        listing = ", ".join(f"{p['metadata']['namespace']}/{p['metadata']['name']}" for p in bare)
        ctx.out.err(f"Warning: deleting Pods that declare no controller: {listing}\n")
    uids = []
    for p in pods:
        ns, pname = p["metadata"]["namespace"], p["metadata"]["name"]
        ctx.out.out(f"evicting pod {ns}/{pname}\n")
        try:
            store.delete("Pod", pname, ns)
            uids.append((ns, pname, p["metadata"]["uid"]))
        except ApiError:
            pass

    def gone() -> bool:
        return all((store.try_get("Pod", n, ns) or {"metadata": {"uid": None}})["metadata"]["uid"] != uid
                   for ns, n, uid in uids)

    run_until(ctx.cluster, gone, 3600.0)
    for _, pname, _ in uids:
        ctx.out.out(f"pod/{pname} evicted\n")
    ctx.out.out(f"node/{name} drained\n")
    return 0


# ------------------------------------------------------------------------------ set image
def cmd_set(ctx: Context) -> int:
    pos = ctx.args.positional
    if not pos or pos[0] != "image":
        raise CommandError(f'unknown command "{pos[0] if pos else ""}" for "kubectl set"')
    rest = pos[1:]
    images = {}
    objs = []
    for p in rest:
        if "=" in p:
            c, _, img = p.partition("=")
            images[c] = img
        else:
            objs.append(p)
    if not images:
        raise CommandError("at least one image update is required")
    pairs: list[tuple[Kind, str]] = []
    if objs and "/" in objs[0]:
        for o in objs:
            res, _, name = o.partition("/")
            pairs.append((kind_or_error(res, ctx.cluster.store.kinds), name))
    elif objs:
        k = kind_or_error(objs[0], ctx.cluster.store.kinds)
        pairs = [(k, n) for n in objs[1:]]
    store = ctx.cluster.store
    for k, name in pairs:
        ns = ns_for(ctx, k)
        obj = thaw(store.get(k, name, ns))
        spec = obj["spec"] if k.kind == "Pod" else obj["spec"]["template"]["spec"]
        containers = [*spec.get("initContainers", []), *spec.get("containers", [])]
        for cname, img in images.items():
            hits = [c for c in containers if cname in ("*", c["name"])]
            if not hits:
                raise CommandError(f'unable to find container named "{cname}"')
            for c in hits:
                c["image"] = img
        before = store.get(k, name, ns)
        after = store.update(k, obj)
        if after is not before:
            ctx.out.out(f"{ref_name(k, name)} image updated\n")
    return 0


# -------------------------------------------------------------------------------- rollout
def _rollout_target(ctx: Context, args: list[str]) -> tuple[Kind, str]:
    if not args:
        raise CommandError("required resource not specified")
    if "/" in args[0]:
        res, _, name = args[0].partition("/")
        return kind_or_error(res, ctx.cluster.store.kinds), name
    if len(args) < 2:
        raise CommandError("required resource not specified")
    return kind_or_error(args[0], ctx.cluster.store.kinds), args[1]


def cmd_rollout(ctx: Context) -> int:
    pos = ctx.args.positional
    if not pos:
        raise CommandError("Must provide a subcommand")
    sub, args = pos[0], pos[1:]
    k, name = _rollout_target(ctx, args)
    store = ctx.cluster.store
    ns = ns_for(ctx, k)
    if sub == "status":
        return _rollout_status(ctx, k, name, ns)
    if k.kind not in ("StatefulSet", "Deployment"):
        raise CommandError(f"no {sub} viewer has been implemented for {k.kind}")
    store.get(k, name, ns)
    if sub == "history":
        revs = _revisions(ctx, k, name, ns)
        lines = [f"{ref_name(k, name)} ", "REVISION  CHANGE-CAUSE"]
        for r in revs:
            cause = (r["metadata"].get("annotations") or {}).get("kubernetes.io/change-cause", "<none>")
            lines.append(f"{r.get('revision', 0)!s:<10}{cause}")
        ctx.out.out("\n".join(lines) + "\n\n")
        return 0
    if sub == "undo":
        revs = _revisions(ctx, k, name, ns)
        wanted = ctx.args.get("to-revision")
        if len(revs) < 2 and not wanted:
            raise CommandError("no rollout history found" if not revs else "no revision found for " + name)
        target = revs[-2] if not wanted or wanted == "0" else next(
            (r for r in revs if str(r.get("revision")) == wanted), None)
        if target is None:
            raise CommandError(f"unable to find specified revision {wanted} in history")
        obj = thaw(store.get(k, name, ns))
        obj["spec"]["template"] = _template_of(k, target)
        before = store.get(k, name, ns)
        after = store.update(k, obj)
        if after is before:
            ctx.out.out(f"{ref_name(k, name)} skipped rollback (current template already matches revision "
                        f"{target.get('revision')})\n")
        else:
            ctx.out.out(f"{ref_name(k, name)} rolled back\n")
        return 0
    if sub == "restart":
        patch = {"spec": {"template": {"metadata": {"annotations": {
            "kubectl.kubernetes.io/restartedAt": store.now().strftime("%Y-%m-%dT%H:%M:%SZ")}}}}}
        store.patch(k, name, patch, ns)
        ctx.out.out(f"{ref_name(k, name)} restarted\n")
        return 0
    raise CommandError(f'unknown command "{sub}" for "kubectl rollout"')


def _rollout_status(ctx: Context, k: Kind, name: str, ns: str | None) -> int:
    """``rollout status``: the viewer's text for the object as listed, then for every change of it,
    until the viewer says done (or, with ``--watch=false``, after the first); an error, the object's
    deletion or ``--timeout`` ends it with exit 1."""
    revision_text = ctx.args.get("revision") or "0"
    revision = int_flag("revision", revision_text)
    if revision < 0:
        raise CommandError(f"revision must be a positive integer: {revision}")
    store = ctx.cluster.store
    obj = store.get(k, name, ns)
    viewer = status_viewer(k.kind)
    if viewer is None:
        raise CommandError(f"no status viewer has been implemented for {k.qualified_kind}")
    watch = ctx.args.bool("watch", True)
    timeout = parse_duration(ctx.args.get("timeout") or "0")
    pending: list[Any] = [obj]
    outcome: list[str] = []

    def on_event(ev: WatchEvent) -> None:
        meta = ev.obj["metadata"]
        if meta["name"] == name and meta.get("namespace") == ns:
            pending.append(None if ev.type == "DELETED" else ev.obj)

    def finished() -> bool:
        while pending and not outcome:
            cur = pending.pop(0)
            if cur is None:
                outcome.append("object has been deleted")
                break
            status = viewer(cur, revision)
            if status.error is not None:
                outcome.append(status.error)
                break
            ctx.out.out(status.message)
            if status.done or not watch:
                outcome.append("")
        return bool(outcome)

    unsubscribe = store.subscribe(on_event, kinds=(k.kind,))
    try:
        # Timeout 0 means "never" to kubectl; a simulated cluster that goes quiet cannot change
        # the answer any more, so the wait also ends then (after at most 600 virtual seconds).
        if not run_until(ctx.cluster, finished, timeout or 600.0):
            outcome.append("timed out waiting for the condition")
    finally:
        unsubscribe()
    if outcome[0]:
        ctx.out.err(f"error: {outcome[0]}\n")
        return 1
    return 0


def _revisions(ctx: Context, k: Kind, name: str, ns: str | None) -> list[Any]:
    store = ctx.cluster.store
    owner = store.get(k, name, ns)
    uid = owner["metadata"]["uid"]
    kind = "ControllerRevision" if k.kind == "StatefulSet" else "ReplicaSet"
    objs = store.list(kind, ns, where=lambda o: any(r.get("uid") == uid for r in o["metadata"].get(
        "ownerReferences") or ()))
    if kind == "ReplicaSet":
        return [dict(o, revision=int((o["metadata"].get("annotations") or {}).get(
            "deployment.kubernetes.io/revision", "0"))) for o in sorted(objs, key=lambda o: int(
                (o["metadata"].get("annotations") or {}).get("deployment.kubernetes.io/revision", "0")))]
    return sorted(objs, key=lambda o: int(o.get("revision", 0)))


def _template_of(k: Kind, rev: Any) -> Any:
    if k.kind == "StatefulSet":
        tmpl = thaw(rev["data"]["spec"]["template"])
        tmpl.pop("$patch", None)
        return tmpl
    tmpl = thaw(rev["spec"]["template"])
    tmpl.get("metadata", {}).get("labels", {}).pop("pod-template-hash", None)
    return tmpl


# ----------------------------------------------------------------------------------- wait
def cmd_wait(ctx: Context) -> int:
    cond = ctx.args.get("for")
    if not cond:
        raise CommandError("--for must be set")
    timeout = parse_duration(ctx.args.get("timeout") or "30s")
    pairs = targets(ctx)
    if not pairs:
        raise CommandError("no matching resources found")
    store = ctx.cluster.store
    code = 0
    for k, name in pairs:
        ns = ns_for(ctx, k)
        if cond == "delete":
            try:
                uid = store.get(k, name, ns)["metadata"]["uid"]
            except NotFound:
                ctx.out.out(f"{ref_name(k, name)} condition met\n")
                continue

            def deleted(k: Kind = k, name: str = name, ns: str | None = ns, uid: str = uid) -> bool:
                cur = store.try_get(k, name, ns)
                return cur is None or cur["metadata"]["uid"] != uid

            ok = run_until(ctx.cluster, deleted, timeout)
        elif cond.startswith("condition="):
            ctype, _, want = cond.removeprefix("condition=").partition("=")
            want = want or "True"

            def met(k: Kind = k, name: str = name, ns: str | None = ns, ctype: str = ctype, want: str = want) -> bool:
                cur = store.try_get(k, name, ns)
                if cur is None:
                    return False
                return any(c.get("type", "").lower() == ctype.lower() and c.get("status", "").lower() == want.lower()
                           for c in get_in(cur, ("status", "conditions")) or ())

            try:
                store.get(k, name, ns)
            except NotFound as e:
                ctx.out.err(kubectl_message(e) + "\n")
                code = 1
                continue
            ok = run_until(ctx.cluster, met, timeout)
        elif cond.startswith("jsonpath="):
            expr = cond.removeprefix("jsonpath=")
            m = re.match(r"^\{(.*)\}=(.*)$", expr)
            if not m:
                raise CommandError("jsonpath wait format must be --for=jsonpath='{.status.readyReplicas}'=3")
            path = [p for p in m.group(1).lstrip(".").split(".") if p]

            def jmet(k: Kind = k, name: str = name, ns: str | None = ns, path: list[str] = path,
                     expected: str = m.group(2)) -> bool:
                cur = store.try_get(k, name, ns)
                return cur is not None and str(get_in(cur, path)) == expected

            ok = run_until(ctx.cluster, jmet, timeout)
        else:
            raise CommandError(f"unrecognized condition: \"{cond}\"")
        if ok:
            ctx.out.out(f"{ref_name(k, name)} condition met\n")
        else:
            ctx.out.err(f"error: timed out waiting for the condition on {k.plural}/{name}\n")
            code = 1
    return code


