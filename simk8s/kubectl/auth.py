"""``kubectl auth can-i`` and ``kubectl auth whoami``, answered by the cluster's RBAC authorizer.

``can-i VERB (TYPE | TYPE/NAME | NONRESOURCEURL)`` prints ``yes``/``no`` and exits 0/1 as
SelfSubjectAccessReview answers it for the (possibly impersonated) user; ``--list`` prints the
rules of a SelfSubjectRulesReview broken down and compacted as kubectl does; ``whoami`` prints
the SelfSubjectReview's attributes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import simk8s.api.kinds as kinds
from simk8s.kubectl.context import CommandError
from simk8s.logic.rbac import Attributes, rules_for
from simk8s.printing.tabwriter import TabWriter
from simk8s.store.authz import AuthorizedStore, Authorizer

if TYPE_CHECKING:
    from simk8s.kubectl.context import Context

__all__ = ["cmd_auth"]

_RESOURCE_VERBS = {"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "use", "bind",
                   "impersonate", "*", "approve", "sign", "escalate", "attest"}
_NON_RESOURCE_VERBS = {"get", "put", "post", "head", "options", "delete", "patch", "*"}
_USAGE = ("you must specify two arguments: verb resource or verb resource/resourceName.\n"
          "See 'kubectl auth can-i -h' for help and examples.")


def cmd_auth(ctx: Context) -> int:
    args = ctx.args.positional
    if not args:
        ctx.out.out("Inspect authorization.\n\nAvailable Commands:\n"
                    "  can-i       Check whether an action is allowed\n"
                    "  reconcile   Reconciles rules for RBAC role, role binding, cluster role, and cluster role "
                    "binding objects\n  whoami      Experimental: Check self subject attributes\n")
        return 0
    sub = args[0]
    if sub == "can-i":
        return _can_i(ctx, args[1:])
    if sub == "whoami":
        user = ctx.user
        rows = [["ATTRIBUTE", "VALUE"], ["Username", user.name]]
        if user.uid:
            rows.append(["UID", user.uid])
        if user.groups:
            rows.append(["Groups", "[" + " ".join(user.groups) + "]"])
        for key in sorted(user.extra):
            rows.append([f"Extra: {key}", "[" + " ".join(user.extra[key]) + "]"])
        ctx.out.out(TabWriter().format(rows))
        return 0
    ctx.out.err(f'error: unknown command "{sub}" for "kubectl auth"\n')
    return 1


def _authorizer(ctx: Context) -> Authorizer:
    """The API server's authorizer (reviews read the RBAC objects as the server, not as the user)."""
    store = ctx.cluster.store
    return store.authorizer if isinstance(store, AuthorizedStore) else Authorizer(store)


def _warn(ctx: Context, text: str) -> None:
    ctx.out.err(f"Warning: {text}\n")


def _resource(ctx: Context, text: str) -> tuple[str, str]:
    """(group, resource) as kubectl's RESTMapper resolves the argument; unknown names pass through."""
    if text == "*":
        return "", "*"
    try:
        k = ctx.cluster.store.kinds.resolve(text)
    except kinds.UnknownKind as e:
        group = e.group
        _warn(ctx, f"the server doesn't have a resource type '{e.resource}'" +
              (f" in group '{group}'" if group else ""))
        return group, e.resource
    return k.group, k.plural


def _can_i(ctx: Context, args: Sequence[str]) -> int:
    a = ctx.args
    quiet = a.bool("quiet")
    if a.bool("list"):
        if quiet or ctx.all_namespaces or a.get("subresource"):
            raise CommandError("list option can't be specified with neither quiet, all-namespaces nor subresource "
                               "options")
        return _list(ctx)
    if len(args) != 2:
        raise CommandError(_USAGE)
    verb, target = args
    namespace = "" if ctx.all_namespaces else ctx.namespace
    if target.startswith("/"):
        if a.get("subresource"):
            raise CommandError("--subresource can not be used with NonResourceURL")
        if verb not in _NON_RESOURCE_VERBS:
            _warn(ctx, f"verb '{verb}' is not a known verb")
        attrs = Attributes(verb, path=target)
    else:
        resource, _, name = target.partition("/")
        group, plural = _resource(ctx, resource)
        if plural != "*" and not ctx.all_namespaces:
            k = next((k for k in ctx.cluster.store.kinds if k.plural == plural and k.group == group), None)
            if k is not None and not k.namespaced:
                _warn(ctx, f"resource '{plural}' is not namespace scoped" +
                      (f" in group '{group}'" if group else ""))
        if verb not in _RESOURCE_VERBS:
            _warn(ctx, f"verb '{verb}' is not a known verb")
        attrs = Attributes(verb, plural, group, namespace, name, a.get("subresource") or "")
    decision = _authorizer(ctx).authorize(ctx.user, attrs)
    if not quiet:
        ctx.out.out("yes\n" if decision.allowed else "no" + (f" - {decision.reason}" if decision.reason else "") + "\n")
    return 0 if decision.allowed else 1


def _list(ctx: Context) -> int:
    policy = _authorizer(ctx).policy()
    broken: list[dict[str, list[str]]] = []
    for _, rule, _error in rules_for(policy, ctx.user, ctx.namespace):
        if rule is not None:
            broken.extend(_breakdown(rule))
    rules = _compact(broken)
    rules.sort(key=_rule_string)
    rows = [] if ctx.args.bool("no-headers") else [["Resources", "Non-Resource URLs", "Resource Names", "Verbs"]]
    for r in rules:
        rows.append([_combine(r.get("resources", []), r.get("apiGroups", [])), _go_list(r.get("nonResourceURLs")),
                     _go_list(r.get("resourceNames")), _go_list(r.get("verbs"))])
    ctx.out.out(TabWriter().format(rows))
    return 0


def _breakdown(rule: Any) -> list[dict[str, list[str]]]:
    """rbacutil.BreakdownRule: one rule per group x resource x verb (x resource name), then URLs x verbs."""
    out: list[dict[str, list[str]]] = []
    for group in rule.get("apiGroups") or ():
        for resource in rule.get("resources") or ():
            for verb in rule.get("verbs") or ():
                names = rule.get("resourceNames") or ()
                if names:
                    out.extend({"apiGroups": [group], "resources": [resource], "verbs": [verb], "resourceNames": [n]}
                               for n in names)
                else:
                    out.append({"apiGroups": [group], "resources": [resource], "verbs": [verb]})
    for url in rule.get("nonResourceURLs") or ():
        for verb in rule.get("verbs") or ():
            out.append({"nonResourceURLs": [url], "verbs": [verb]})
    return out


def _compact(rules: list[dict[str, list[str]]]) -> list[dict[str, list[str]]]:
    """rbacutil.CompactRules: single group/resource(/name) rules merge their verbs."""
    compacted: list[dict[str, list[str]]] = []
    simple: dict[tuple[str, str, str], dict[str, list[str]]] = {}
    for r in rules:
        if r.get("nonResourceURLs") or len(r.get("resourceNames", [])) > 1:
            compacted.append(r)
            continue
        key = (r["apiGroups"][0], r["resources"][0], (r.get("resourceNames") or [""])[0])
        if key in simple:
            simple[key]["verbs"] = [*simple[key]["verbs"], *r["verbs"]]
        else:
            simple[key] = {k: list(v) for k, v in r.items()}
    return compacted + list(simple.values())


def _go_list(items: Sequence[str] | None) -> str:
    return "[" + " ".join(items or ()) + "]"


def _rule_string(r: dict[str, list[str]]) -> str:
    """The generated PolicyRule.String(), which kubectl sorts by."""
    return (f"&PolicyRule{{Verbs:{_go_list(r.get('verbs'))},APIGroups:{_go_list(r.get('apiGroups'))},"
            f"Resources:{_go_list(r.get('resources'))},ResourceNames:{_go_list(r.get('resourceNames'))},"
            f"NonResourceURLs:{_go_list(r.get('nonResourceURLs'))},}}")


def _combine(resources: Sequence[str], groups: Sequence[str]) -> str:
    """describe.CombineResourceGroup: ``statefulsets.apps``, ``pods/exec``, ``*.*``."""
    if not resources:
        return ""
    base, slash, sub = resources[0].partition("/")
    out = base + (f".{groups[0]}" if groups and groups[0] else "")
    return out + (f"/{sub}" if slash else "")
