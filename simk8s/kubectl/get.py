"""``kubectl get``: tables, ``-o yaml|json|name|wide|jsonpath=``, and ``-w`` watches in virtual time."""

from __future__ import annotations

from typing import Any

import simk8s.api.kinds as kinds
import simk8s.api.yamlio as yamlio
import simk8s.printing.printers as printers
from simk8s.api.errors import NotFound, kubectl_message
from simk8s.api.frozen import FrozenDict, freeze, thaw
from simk8s.api.kinds import Kind
from simk8s.api.selectors import parse_label_selector
from simk8s.api.strategy import has_scale, scale_of
from simk8s.cluster import NotSettled
from simk8s.kubectl.common import manifests
from simk8s.kubectl.context import CommandError, Context
from simk8s.printing.jsonpath import JsonPathError, jsonpath
from simk8s.printing.tabwriter import TabWriter
from simk8s.store import WatchEvent
from simk8s.store.apply import kind_or_error

__all__ = ["cmd_get"]

ALL = ("Pod", "Service", "StatefulSet", "Deployment", "ReplicaSet")


def _requests(ctx: Context) -> list[tuple[Kind, list[str]]]:
    """(kind, names) groups in the order given: ``pods``, ``pods,svc``, ``pod/web-0 sts/web``, ``all``."""
    pos = ctx.args.positional
    if ctx.args.list("filename"):
        groups: dict[Kind, list[str]] = {}
        for _, obj in manifests(ctx):
            groups.setdefault(ctx.cluster.store.kinds.for_object(obj), []).append(obj["metadata"]["name"])
        return list(groups.items())
    if not pos:
        raise CommandError("You must specify the type of resource to get. Use \"kubectl api-resources\" for a "
                           "complete list of supported resources.")
    if "/" in pos[0]:
        groups = {}
        for p in pos:
            res, _, name = p.partition("/")
            groups.setdefault(kind_or_error(res, ctx.cluster.store.kinds), []).append(name)
        return list(groups.items())
    out: list[tuple[Kind, list[str]]] = []
    for res in pos[0].split(","):
        if res == "all":
            out.extend((kinds.lookup(k), []) for k in ALL)
        else:
            out.append((kind_or_error(res, ctx.cluster.store.kinds), []))
    names = pos[1:]
    if names:
        if len(out) > 1:
            raise CommandError("arguments in resource/name form must have a single resource and name")
        out = [(out[0][0], names)]
    return out


def cmd_get(ctx: Context) -> int:
    a = ctx.args
    store = ctx.cluster.store
    output = a.get("output") or ""
    groups = _requests(ctx)
    all_ns = ctx.all_namespaces
    code = 0
    found: list[tuple[Kind, list[FrozenDict]]] = []
    for k, names in groups:
        ns = None if (all_ns or not k.namespaced) else ctx.namespace
        if names:
            objs = []
            for n in names:
                try:
                    objs.append(store.get(k, n, ns))
                except NotFound as e:
                    ctx.out.err(kubectl_message(e) + "\n")
                    code = 1
            found.append((k, objs))
        else:
            found.append((k, ctx.cluster.list_frozen(k, ns, selector=a.get("selector"),
                                                     field_selector=a.get("field-selector"))))
    subresource = a.get("subresource")
    if subresource is not None:
        found = _subresource(subresource, groups, found)
    total = sum(len(objs) for _, objs in found)
    multi_kind = len(found) > 1 or any(p == "all" for p in a.positional[:1])
    if total == 0 and not any(names for _, names in groups) and not a.bool("watch") \
            and output not in ("json", "yaml"):
        if all_ns or all(not k.namespaced for k, _ in found):
            ctx.out.err("No resources found\n")
        else:
            ctx.out.err(f"No resources found in {ctx.namespace} namespace.\n")
    if output in ("yaml", "json") or output.startswith("jsonpath"):
        _print_structured(ctx, output, found, single=bool(groups and len(groups) == 1 and len(groups[0][1]) == 1))
    elif output == "name":
        for k, objs in found:
            for o in objs:
                ctx.out.out(printers.name_line(k, o) + "\n")
    elif output in ("", "wide"):
        writer = _writer()
        for i, (k, objs) in enumerate(found):
            if not objs:
                continue
            writer = _writer()   # each kind is its own table
            head, rows = _table(ctx, k, objs, multi_kind)
            if i and ctx.out.stdout:
                ctx.out.out("\n")
            ctx.out.out(writer.format([head, *rows]) if not a.bool("no-headers") else writer.format(rows))
        if a.bool("watch"):
            _watch(ctx, found, writer)
    else:
        raise CommandError(f"unable to match a printer suitable for the output format \"{output}\", allowed "
                           "formats are: custom-columns,custom-columns-file,go-template,go-template-file,"
                           "json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml")
    return code


SUBRESOURCES = ("status", "scale")
SCALE = Kind("Scale", "autoscaling", "v1", "scales", "scale", (), True)


def _subresource(name: str, groups: list[tuple[Kind, list[str]]], found: list[tuple[Kind, list[FrozenDict]]]
                 ) -> list[tuple[Kind, list[FrozenDict]]]:
    """``--subresource``: the status read is the object itself; the scale read an autoscaling/v1 Scale."""
    if name not in SUBRESOURCES:
        raise CommandError(f'invalid subresource value: "{name}". Must be one of [{" ".join(SUBRESOURCES)}]')
    if any(not names for _, names in groups):
        raise CommandError("subresource cannot be used when bulk resources are specified")
    if name == "status":
        return found
    if any(not has_scale(k) for k, _ in found):
        raise NotFound("the server could not find the requested resource")
    return [(SCALE, [freeze(scale_of(o, k)) for o in objs]) for k, objs in found]


def _writer() -> Any:
    return TabWriter(remember_widths=True)


def _table(ctx: Context, k: Kind, objs: list[Any], multi_kind: bool) -> tuple[list[str], list[list[str]]]:
    a = ctx.args
    label_columns: list[str] = []
    for spec in a.list("label-columns"):
        label_columns.extend(x for x in spec.split(",") if x)
    head, rows = printers.table(k, [thaw(o) for o in objs], ctx.cluster.store.now(),
                                wide=a.get("output") == "wide", show_labels=a.bool("show-labels"),
                                with_namespace=ctx.all_namespaces and k.namespaced, with_kind=multi_kind,
                                label_columns=label_columns)
    return head, rows


def _print_structured(ctx: Context, output: str, found: list[tuple[Kind, list[FrozenDict]]], single: bool) -> None:
    items = [thaw(o) for _, objs in found for o in objs]
    doc: Any = items[0] if single and items else yamlio.as_list(items)
    if output == "yaml":
        ctx.out.out(yamlio.dump_yaml(doc))
    elif output == "json":
        ctx.out.out(yamlio.dump_json(doc) + "\n")
    else:
        template = output.partition("=")[2]
        if not template:
            raise CommandError("template format specified but no template given")
        try:
            ctx.out.out(jsonpath(template, doc))
        except JsonPathError as e:
            raise CommandError(str(e).removeprefix("error: ")) from None


def _watch(ctx: Context, found: list[tuple[Kind, list[FrozenDict]]], writer: Any) -> None:
    """Print one row per watch event on the listed kinds until the cluster is quiet (or ``watch_for``)."""
    a = ctx.args
    cluster = ctx.cluster
    watched = {k.kind for k, _ in found}
    names = {(k.kind, n) for k, names in _requests(ctx) for n in names}
    text = a.get("selector")
    sel = parse_label_selector(text) if text else None
    all_ns = ctx.all_namespaces
    ns = ctx.namespace
    header_printed = bool(ctx.out.stdout)
    multi_kind = len(found) > 1

    def on_event(ev: WatchEvent) -> None:
        nonlocal header_printed
        if ev.kind.kind not in watched:
            return
        meta = ev.obj["metadata"]
        if ev.kind.namespaced and not all_ns and meta.get("namespace") != ns:
            return
        if names and (ev.kind.kind, meta["name"]) not in names:
            return
        if sel is not None and not sel.matches(meta.get("labels") or {}):
            return
        head, rows = _table(ctx, ev.kind, [ev.obj], multi_kind)
        if not header_printed:
            ctx.out.out(writer.format([head, *rows]))
            header_printed = True
        else:
            ctx.out.out(writer.format(rows))

    unsubscribe = cluster.store.subscribe(on_event)
    try:
        if ctx.watch_for is not None:
            cluster.run(ctx.watch_for)
        else:
            try:
                cluster.settle(limit=600.0)
            except NotSettled:
                pass
    finally:
        unsubscribe()
