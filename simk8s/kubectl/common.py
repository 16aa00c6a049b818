"""What the kubectl verbs share: the objects a command names (``-f`` manifests, ``TYPE NAME``,
``TYPE/NAME``, ``-l``), and advancing virtual time while a command waits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from simk8s.api.errors import strconv_syntax
from simk8s.api.kinds import Kind
from simk8s.api.manifest import ManifestError, load_manifests, load_path
from simk8s.kubectl.context import CommandError, Context
from simk8s.node.vfs import normalize
from simk8s.store.apply import kind_or_error

__all__ = ["int_flag", "manifests", "ns_for", "quoted_name", "ref_name", "run_until", "targets"]


def ref_name(k: Kind, name: str) -> str:
    """``statefulset.apps/web``."""
    return f"{k.kubectl_name}/{name}"


def quoted_name(k: Kind, name: str) -> str:
    """``statefulset.apps "web"``, as delete prints it."""
    return f'{k.kubectl_name} "{name}"'


def ns_for(ctx: Context, k: Kind, obj: dict[str, Any] | None = None) -> str | None:
    """The namespace a request about ``k`` goes to: none for cluster-scoped kinds, else the
    object's own, else the command's (``-n``, or ``default``)."""
    if not k.namespaced:
        return None
    if obj is not None and (obj.get("metadata") or {}).get("namespace"):
        return str(obj["metadata"]["namespace"])
    return ctx.namespace


def int_flag(flag: str, text: str) -> int:
    """A flag's integer value, with cobra's error for one that is not."""
    try:
        return int(text)
    except ValueError:
        raise CommandError(f'invalid argument "{text}" for "--{flag}" flag: {strconv_syntax("ParseInt", text)}'
                           ) from None


def manifests(ctx: Context) -> list[tuple[str, dict[str, Any]]]:
    """The objects of every ``-f`` (file, directory, URL table or ``-`` for stdin), in order."""
    items: list[tuple[str, dict[str, Any]]] = []
    for f in ctx.args.list("filename"):
        try:
            if f == "-":
                items.extend(("STDIN", o) for o in load_manifests(ctx.stdin, "STDIN"))
            elif ctx.files is not None:
                items.extend(_from_fs(ctx, f, load_manifests))
            else:
                items.extend(load_path(f, recursive=ctx.args.bool("recursive")))
        except ManifestError as e:
            raise CommandError(str(e).removeprefix("error: ")) from None
    return items


def _from_fs(ctx: Context, name: str, load: Callable[..., list[dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    fs = ctx.files
    path = normalize(name, ctx.cwd)
    if not fs.exists(path):
        raise ManifestError(f'the path "{name}" does not exist')
    if not fs.isdir(path):
        return [(name, o) for o in load(fs.read(path), name)]
    out: list[tuple[str, dict[str, Any]]] = []
    for entry in sorted(fs.listdir(path)):
        child = f"{name.rstrip('/')}/{entry}"
        if fs.isdir(normalize(child, ctx.cwd)):
            if ctx.args.bool("recursive"):
                out.extend(_from_fs(ctx, child, load))
            continue
        if entry.endswith((".yaml", ".yml", ".json")):
            out.extend((child, o) for o in load(fs.read(normalize(child, ctx.cwd)), child))
    return out


def targets(ctx: Context, *, allow_selector: bool = True) -> list[tuple[Kind, str]]:
    """The (kind, name) pairs a command names: ``pod web-0``, ``pod/web-0 sts/web``, ``-f``, ``-l``."""
    pos = ctx.args.positional
    if ctx.args.list("filename"):
        out = []
        for _, obj in manifests(ctx):
            out.append((ctx.cluster.store.kinds.for_object(obj), obj["metadata"]["name"]))
        return out
    if not pos:
        raise CommandError("you must provide one or more resources by argument or filename")
    if "/" in pos[0]:
        out = []
        for p in pos:
            if "/" not in p:
                raise CommandError("there is no need to specify a resource type as a separate argument when "
                                   "passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' "
                                   "instead of 'kubectl get resource resource/<resource_name>'")
            res, _, name = p.partition("/")
            out.append((kind_or_error(res, ctx.cluster.store.kinds), name))
        return out
    k = kind_or_error(pos[0], ctx.cluster.store.kinds)
    names = pos[1:]
    if names:
        return [(k, n) for n in names]
    sel = ctx.args.get("selector")
    if allow_selector and (sel is not None or ctx.args.bool("all")):
        ns = None if ctx.all_namespaces else ctx.namespace
        objs = ctx.cluster.list_frozen(k, ns, selector=sel, field_selector=ctx.args.get("field-selector"))
        return [(k, o["metadata"]["name"]) for o in objs]
    raise CommandError("resource(s) were provided, but no name was specified")


def run_until(cluster: Any, done: Callable[[], bool], limit: float) -> bool:
    """Advance virtual time event by event until ``done()`` or ``limit`` seconds have passed."""
    env = cluster.env
    deadline = env.now + limit
    while not done():
        t = env.peek()
        if t == float("inf") or t > deadline:
            if t != float("inf"):
                env.run_until(deadline)
            return done()
        env.step()
    return True
