"""Who is asking, and may they: authentication and RBAC authorization of ``simk8s serve`` requests.

Authentication is a simulator's, in a simple documented form (no secrets are checked):

- no ``Authorization`` header, or the bearer token ``simk8s`` (what ``simk8s serve`` writes into
  its kubeconfig): the cluster admin, kubeadm's ``kubernetes-admin`` (group
  ``kubeadm:cluster-admins``, bound to ``cluster-admin``);
- ``Authorization: Bearer NAME`` authenticates as the user ``NAME``; ``Bearer NAME@G1,G2`` adds the
  groups ``G1`` and ``G2``; a service account's user name (``system:serviceaccount:NS:NAME``) gets
  its groups. Everyone authenticated is also in ``system:authenticated``.

kubectl's ``--as``/``--as-group`` arrive as ``Impersonate-User``/``Impersonate-Group`` headers: the
authenticated user must be allowed to ``impersonate`` the users, groups or service accounts (as
the API server's impersonation filter checks), then the request is made as the impersonated user.

Authorization is the API server's: the request's attributes (``RequestInfo``: verb from the HTTP
method, resource, subresource, namespace, name; non-resource paths for discovery) go to the same
RBAC authorizer as the emulated kubectl's (:class:`simk8s.store.authz.Authorizer`), and a denial is the
API server's 403 ``Status``.
"""

from __future__ import annotations

from collections.abc import Mapping

from simk8s.api.errors import ApiError, Forbidden, Invalid
from simk8s.logic.rbac import Attributes, User, forbidden_message, rules_for
from simk8s.serve.rest import Target
from simk8s.store.authz import ADMIN, Authorizer, impersonate

__all__ = ["ADMIN_TOKEN", "REVIEWS", "Unauthorized", "authenticate", "check", "decode_review",
           "request_attributes", "request_user", "review"]

ADMIN_TOKEN = "simk8s"


class Unauthorized(ApiError):
    code = 401
    reason = "Unauthorized"


def authenticate(headers: Mapping[str, str]) -> User:
    """The user a request's credentials name (see the module's documentation)."""
    auth = headers.get("Authorization", "").strip()
    if not auth:
        return ADMIN
    scheme, _, token = auth.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("Unauthorized")
    if token == ADMIN_TOKEN:
        return ADMIN
    name, _, groups = token.partition("@")
    if not name:
        raise Unauthorized("Unauthorized")
    return impersonate(name, [g for g in groups.split(",") if g])


def request_user(authorizer: Authorizer, headers: Mapping[str, str], impersonate_groups: list[str]) -> User:
    """The user a request acts as: authenticated, then impersonated when it asks to be."""
    user = authenticate(headers)
    as_user = headers.get("Impersonate-User", "")
    if not as_user:
        if impersonate_groups:
            raise _impersonation_forbidden(user, "users", "")  # groups without a user are refused
        return user
    checks: list[tuple[str, str, str]] = []
    if as_user.startswith("system:serviceaccount:"):
        ns, _, sa = as_user[len("system:serviceaccount:"):].partition(":")
        checks.append(("serviceaccounts", ns, sa))
    else:
        checks.append(("users", "", as_user))
    checks.extend(("groups", "", g) for g in impersonate_groups)
    for resource, ns, name in checks:
        attrs = Attributes("impersonate", resource, "", ns, name)
        if not authorizer.authorize(user, attrs).allowed:
            raise _impersonation_forbidden(user, resource, name, ns)
    return impersonate(as_user, impersonate_groups)


def _impersonation_forbidden(user: User, resource: str, name: str, namespace: str = "") -> Forbidden:
    attrs = Attributes("impersonate", resource, "", namespace, name)
    return Forbidden(forbidden_message(user, attrs), details={"name": name, "kind": resource})


def request_attributes(method: str, target: Target | None, *, watching: bool = False, path: str = "") -> Attributes:
    """``RequestInfo``'s attributes of one request: a resource request, or a non-resource ``path``."""
    if target is None:
        return Attributes("get" if method in ("GET", "HEAD") else method.lower(), path=path)
    named = target.name is not None
    if target.sub in ("exec", "attach", "portforward"):
        verb = "create"  # a websocket GET upgrade needs create, as POST does (1.31+)
    elif method in ("GET", "HEAD"):
        verb = "watch" if watching else ("get" if named else "list")
    else:
        verb = {"POST": "create", "PUT": "update", "PATCH": "patch",
                "DELETE": "delete" if named else "deletecollection"}.get(method, method.lower())
    k = target.kind
    return Attributes(verb, k.plural, k.group, target.namespace or "", target.name or "", target.sub or "")


def check(authorizer: Authorizer, user: User, attrs: Attributes) -> None:
    """Raise the API server's Forbidden unless RBAC allows the request."""
    authorizer.check(user, attrs)


REVIEWS = {
    ("authorization.k8s.io/v1", "selfsubjectaccessreviews"): "SelfSubjectAccessReview",
    ("authorization.k8s.io/v1", "selfsubjectrulesreviews"): "SelfSubjectRulesReview",
    ("authentication.k8s.io/v1", "selfsubjectreviews"): "SelfSubjectReview",
}


def review(authorizer: Authorizer, user: User, api_version: str, plural: str, body: Mapping[str, object]
           ) -> dict[str, object]:
    """Answer a SelfSubjectAccessReview (``kubectl auth can-i``), a SelfSubjectRulesReview
    (``kubectl auth can-i --list``) or a SelfSubjectReview (``kubectl auth whoami``) for ``user``,
    as the API server's registries do."""
    kind = REVIEWS[(api_version, plural)]
    group = api_version.partition("/")[0]
    check(authorizer, user, Attributes("create", plural, group))
    out: dict[str, object] = {"kind": kind, "apiVersion": api_version, "metadata": {"creationTimestamp": None}}
    if kind == "SelfSubjectReview":
        info: dict[str, object] = {"username": user.name, "groups": list(user.groups)}
        if user.uid:
            info["uid"] = user.uid
        out["status"] = {"userInfo": info}
        return out
    spec = body.get("spec") if isinstance(body.get("spec"), Mapping) else {}
    assert isinstance(spec, Mapping)
    if kind == "SelfSubjectRulesReview":
        out["spec"] = dict(spec)
        out["status"] = _rules_status(authorizer, user, str(spec.get("namespace") or ""))
        return out
    res = spec.get("resourceAttributes")
    non = spec.get("nonResourceAttributes")
    if isinstance(res, Mapping):
        attrs = Attributes(str(res.get("verb", "")), str(res.get("resource", "")), str(res.get("group", "")),
                           str(res.get("namespace", "")), str(res.get("name", "")), str(res.get("subresource", "")))
    elif isinstance(non, Mapping):
        attrs = Attributes(str(non.get("verb", "")), path=str(non.get("path", "")))
    else:
        raise Invalid('SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: '
                      "Invalid value: \"null\": exactly one of nonResourceAttributes or resourceAttributes must "
                      "be specified")
    decision = authorizer.authorize(user, attrs)
    out["spec"] = dict(spec)
    status: dict[str, object] = {"allowed": decision.allowed}
    if decision.reason:
        status["reason"] = decision.reason
    out["status"] = status
    return out


def _rules_status(authorizer: Authorizer, user: User, namespace: str) -> dict[str, object]:
    """What the RBAC authorizer's RulesFor answers: each rule that applies to ``user`` in
    ``namespace`` as a resource rule and/or a non-resource rule (kubectl breaks them down and
    compacts them for ``--list``), and the errors met on the way."""
    resource: list[dict[str, object]] = []
    non_resource: list[dict[str, object]] = []
    errors: list[str] = []
    for _, rule, error in rules_for(authorizer.policy(), user, namespace):
        if rule is None:
            errors.append(error)
            continue
        if rule.get("resources"):
            entry: dict[str, object] = {"verbs": list(rule.get("verbs") or ())}
            for field in ("apiGroups", "resources", "resourceNames"):
                if rule.get(field):
                    entry[field] = list(rule[field])
            resource.append(entry)
        if rule.get("nonResourceURLs"):
            non_resource.append({"verbs": list(rule.get("verbs") or ()),
                                 "nonResourceURLs": list(rule["nonResourceURLs"])})
    status: dict[str, object] = {"resourceRules": resource, "nonResourceRules": non_resource,
                                 "incomplete": False}
    if errors:
        status["evaluationError"] = ", ".join(errors)
    return status


# ------------------------------------------------------------------------------- protobuf bodies
# kubectl's typed clients (auth can-i, auth whoami) send reviews as protobuf: the "k8s\0" envelope
# (runtime.Unknown: 1 typeMeta, 2 raw) around the object (2 spec: 1 resourceAttributes (1 namespace,
# 2 verb, 3 group, 4 version, 5 resource, 6 subresource, 7 name), 2 nonResourceAttributes (1 path,
# 2 verb)). Only those strings are read; the answer is JSON, which kubectl also accepts.
_RESOURCE_FIELDS = {1: "namespace", 2: "verb", 3: "group", 4: "version", 5: "resource", 6: "subresource", 7: "name"}
_NON_RESOURCE_FIELDS = {1: "path", 2: "verb"}


def _fields(data: bytes) -> dict[int, bytes]:
    """The length-delimited fields of one protobuf message (varints skipped), last one wins."""
    out: dict[int, bytes] = {}
    i = 0

    def varint() -> int:
        nonlocal i
        shift = value = 0
        while i < len(data):
            b = data[i]
            i += 1
            value |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return value
        raise ValueError("truncated varint")

    while i < len(data):
        key = varint()
        wire = key & 7
        if wire == 0:
            varint()
        elif wire == 2:
            n = varint()
            if i + n > len(data):
                raise ValueError("truncated field")
            out[key >> 3] = data[i:i + n]
            i += n
        elif wire == 1:
            i += 8
        elif wire == 5:
            i += 4
        else:
            raise ValueError(f"wire type {wire}")
    return out


def decode_review(raw: bytes, plural: str) -> dict[str, object]:
    """A SelfSubject*Review sent as protobuf, as the JSON-shaped body it stands for."""
    if not raw.startswith(b"k8s\x00"):
        raise ValueError("not a protobuf envelope")
    obj = _fields(_fields(raw[4:]).get(2, b""))
    spec = _fields(obj.get(2, b""))
    if plural == "selfsubjectrulesreviews":   # SelfSubjectRulesReviewSpec: 1 namespace
        return {"spec": {"namespace": spec.get(1, b"").decode()}}
    out: dict[str, object] = {}
    for number, key, names in ((1, "resourceAttributes", _RESOURCE_FIELDS), (2, "nonResourceAttributes",
                                                                             _NON_RESOURCE_FIELDS)):
        if number in spec:
            fields = _fields(spec[number])
            out[key] = {names[n]: v.decode() for n, v in fields.items() if n in names}
    return {"spec": out}
