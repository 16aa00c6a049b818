"""Pod and pod template validation (pkg/apis/core/validation: ValidatePodSpec and friends)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import simk8s.api.names as names
import simk8s.api.validation.common as common
from simk8s.api.defaults import VOLUME_SOURCE_KEYS
from simk8s.api.errors import FieldError

__all__ = ["validate_pod", "validate_pod_spec", "validate_pod_template", "validate_pod_update"]

Errors = list[FieldError]

PROTOCOLS = ("SCTP", "TCP", "UDP")
_RESTART = ("Always", "OnFailure", "Never")
_DNS = ("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None")
_PULL = ("Always", "IfNotPresent", "Never")
_TERMINATION_MSG = ("File", "FallbackToLogsOnError")
_STANDARD_RESOURCES = ("cpu", "memory", "ephemeral-storage")
_TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
_UPDATABLE = ",".join(
    [
        "`spec.containers[*].image`",
        "`spec.initContainers[*].image`",
        "`spec.activeDeadlineSeconds`",
        "`spec.tolerations` (only additions to existing tolerations)",
        "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
    ]
)


def _label(value: str, path: str) -> Errors:
    return [FieldError.invalid(path, value, m) for m in names.is_dns1123_label(value)]


def _volumes(volumes: Sequence[Mapping[str, Any]], path: str) -> tuple[set[str], Errors]:
    errs: Errors = []
    seen: set[str] = set()
    for i, vol in enumerate(volumes):
        p = f"{path}[{i}]"
        el = _volume_source(vol, p)
        name = vol.get("name") or ""
        if not name:
            el.append(FieldError.required(f"{p}.name", ""))
        else:
            el.extend(_label(name, f"{p}.name"))
        if name in seen:
            el.append(FieldError.duplicate(f"{p}.name", name))
        if el:
            errs.extend(el)
        else:
            seen.add(name)
    return seen, errs


def _volume_source(vol: Mapping[str, Any], path: str) -> Errors:
    present = [s for s in VOLUME_SOURCE_KEYS if vol.get(s) is not None]
    if not present:
        return [FieldError.required(path, "must specify a volume type")]
    errs = [
        FieldError.forbidden(f"{path}.{s}", "may not specify more than 1 volume type") for s in present[1:]
    ]
    src, body = present[0], vol[present[0]] or {}
    required = {"hostPath": "path", "persistentVolumeClaim": "claimName", "nfs": "server"}
    if src in required and not body.get(required[src]):
        errs.append(FieldError.required(f"{path}.{src}.{required[src]}", ""))
    if src == "nfs" and not body.get("path"):
        errs.append(FieldError.required(f"{path}.nfs.path", ""))
    if src == "configMap" and not body.get("name"):
        errs.append(FieldError.required(f"{path}.configMap.name", ""))
    if src == "secret" and not body.get("secretName"):
        errs.append(FieldError.required(f"{path}.secret.secretName", ""))
    return errs


def _ports(ports: Sequence[Mapping[str, Any]], path: str) -> Errors:
    errs: Errors = []
    seen: set[str] = set()
    for i, port in enumerate(ports):
        p = f"{path}[{i}]"
        name = port.get("name") or ""
        if name:
            msgs = names.is_port_name(name)
            if msgs:
                errs.extend(FieldError.invalid(f"{p}.name", name, m) for m in msgs)
            elif name in seen:
                errs.append(FieldError.duplicate(f"{p}.name", name))
            else:
                seen.add(name)
        cp = port.get("containerPort") or 0
        if cp == 0:
            errs.append(FieldError.required(f"{p}.containerPort", ""))
        else:
            errs.extend(common.port_range(cp, f"{p}.containerPort"))
        if port.get("hostPort"):
            errs.extend(common.port_range(port["hostPort"], f"{p}.hostPort"))
        errs.extend(common.not_supported(port.get("protocol"), PROTOCOLS, f"{p}.protocol"))
    return errs


def _volume_mounts(mounts: Sequence[Mapping[str, Any]], volumes: set[str], path: str) -> Errors:
    errs: Errors = []
    points: set[str] = set()
    for i, m in enumerate(mounts):
        p = f"{path}[{i}]"
        name = m.get("name") or ""
        if not name:
            errs.append(FieldError.required(f"{p}.name", ""))
        if name not in volumes:
            errs.append(FieldError.not_found(f"{p}.name", name))
        mp = m.get("mountPath") or ""
        if not mp:
            errs.append(FieldError.required(f"{p}.mountPath", ""))
        if mp in points:
            errs.append(FieldError.invalid(f"{p}.mountPath", mp, "must be unique"))
        points.add(mp)
    return errs


def _resources(res: Mapping[str, Any], path: str) -> Errors:
    errs: Errors = []
    limits = res.get("limits") or {}
    requests = res.get("requests") or {}
    for kind, values in (("limits", limits), ("requests", requests)):
        for name in sorted(values):
            p = f"{path}.{kind}[{name}]"
            if "/" not in name and name not in _STANDARD_RESOURCES and not name.startswith("hugepages-"):
                errs.append(FieldError.invalid(p, name, "must be a standard resource for containers"))
            q = common.quantity_or_none(values[name])
            if q is not None and q.value < 0:
                errs.append(FieldError.invalid(p, str(q), "must be greater than or equal to 0"))
    for name in sorted(requests):
        req, lim = common.quantity_or_none(requests[name]), common.quantity_or_none(limits.get(name)) if name in limits else None
        if req is None or lim is None:
            continue
        overcommit = name in _STANDARD_RESOURCES or ("/" not in name and not name.startswith("hugepages-"))
        if req != lim and not overcommit:
            errs.append(
                FieldError.invalid(f"{path}.requests", str(req), f"must be equal to {name} limit of {lim}")
            )
        elif req > lim:
            errs.append(
                FieldError.invalid(
                    f"{path}.requests", str(req), f"must be less than or equal to {name} limit of {lim}"
                )
            )
    return errs


def _container(c: Mapping[str, Any], volumes: set[str], path: str) -> Errors:
    errs: Errors = []
    name = c.get("name") or ""
    if not name:
        errs.append(FieldError.required(f"{path}.name", ""))
    else:
        errs.extend(_label(name, f"{path}.name"))
    if not c.get("image"):
        errs.append(FieldError.required(f"{path}.image", ""))
    errs.extend(
        common.not_supported(
            c.get("terminationMessagePolicy"), _TERMINATION_MSG, f"{path}.terminationMessagePolicy"
        )
    )
    errs.extend(_ports(c.get("ports") or [], f"{path}.ports"))
    for i, env in enumerate(c.get("env") or []):
        if not env.get("name"):
            errs.append(FieldError.required(f"{path}.env[{i}].name", ""))
    errs.extend(_volume_mounts(c.get("volumeMounts") or [], volumes, f"{path}.volumeMounts"))
    errs.extend(common.not_supported(c.get("imagePullPolicy"), _PULL, f"{path}.imagePullPolicy"))
    errs.extend(_resources(c.get("resources") or {}, f"{path}.resources"))
    return errs


def _containers(
    containers: Sequence[Mapping[str, Any]], volumes: set[str], path: str, taken: set[str], required: bool
) -> Errors:
    errs: Errors = []
    if not containers and required:
        errs.append(FieldError.required(path, ""))
    for i, c in enumerate(containers):
        p = f"{path}[{i}]"
        errs.extend(_container(c, volumes, p))
        name = c.get("name") or ""
        if name in taken:
            errs.append(FieldError.duplicate(f"{p}.name", name))
        else:
            taken.add(name)
    return errs


def _tolerations(tols: Sequence[Mapping[str, Any]], path: str) -> Errors:
    errs: Errors = []
    for i, t in enumerate(tols):
        p = f"{path}[{i}]"
        if t.get("key"):
            errs.extend(common.validate_label_name(t["key"], f"{p}.key"))
        op = t.get("operator") or "Equal"
        if not t.get("key") and op != "Exists":
            errs.append(
                FieldError.invalid(
                    f"{p}.operator",
                    op,
                    'operator must be Exists when `key` is empty, which means "match all '
                    'values and all keys"',
                )
            )
        if op == "Exists" and t.get("value"):
            errs.append(
                FieldError.invalid(
                    f"{p}.operator", t.get("value"), "value must be empty when `operator` is 'Exists'"
                )
            )
        elif op not in ("Equal", "Exists"):
            errs.append(FieldError.not_supported(f"{p}.operator", op, ["Equal", "Exists"]))
        if t.get("effect"):
            errs.extend(common.not_supported(t["effect"], _TAINT_EFFECTS, f"{p}.effect", required=False))
    return errs


def validate_pod_spec(spec: Mapping[str, Any], path: str = "spec") -> Errors:
    """ValidatePodSpec: volumes, containers, policies, names, tolerations."""
    volumes, errs = _volumes(spec.get("volumes") or [], f"{path}.volumes")
    taken: set[str] = set()
    errs.extend(_containers(spec.get("containers") or [], volumes, f"{path}.containers", taken, True))
    errs.extend(
        _containers(spec.get("initContainers") or [], volumes, f"{path}.initContainers", taken, False)
    )
    errs.extend(common.not_supported(spec.get("restartPolicy"), _RESTART, f"{path}.restartPolicy"))
    errs.extend(common.not_supported(spec.get("dnsPolicy"), _DNS, f"{path}.dnsPolicy"))
    errs.extend(common.validate_labels(spec.get("nodeSelector"), f"{path}.nodeSelector"))
    if spec.get("serviceAccountName"):
        san = spec["serviceAccountName"]
        errs.extend(
            FieldError.invalid(f"{path}.serviceAccountName", san, m) for m in names.is_dns1123_subdomain(san)
        )
    if spec.get("nodeName"):
        nn = spec["nodeName"]
        errs.extend(FieldError.invalid(f"{path}.nodeName", nn, m) for m in names.is_dns1123_subdomain(nn))
    ads = spec.get("activeDeadlineSeconds")
    if ads is not None and not 1 <= ads <= 2147483647:
        errs.append(
            FieldError.invalid(
                f"{path}.activeDeadlineSeconds", ads, "must be between 1 and 2147483647, inclusive"
            )
        )
    if spec.get("hostname"):
        errs.extend(_label(spec["hostname"], f"{path}.hostname"))
    if spec.get("subdomain"):
        errs.extend(_label(spec["subdomain"], f"{path}.subdomain"))
    errs.extend(_tolerations(spec.get("tolerations") or [], f"{path}.tolerations"))
    return errs


def validate_pod_template(template: Mapping[str, Any], path: str) -> Errors:
    """ValidatePodTemplateSpec (used by Deployment and ReplicaSet). Note the upstream paths
    ``<path>.labels`` / ``<path>.annotations`` (without ``metadata``)."""
    meta = template.get("metadata") or {}
    errs = common.validate_labels(meta.get("labels"), f"{path}.labels")
    errs.extend(common.validate_annotations(meta.get("annotations"), f"{path}.annotations"))
    errs.extend(validate_pod_spec(template.get("spec") or {}, f"{path}.spec"))
    return errs


def validate_pod(pod: Mapping[str, Any]) -> Errors:
    errs = common.validate_object_meta(pod.get("metadata") or {}, True, common.name_is_dns1123_subdomain)
    errs.extend(validate_pod_spec(pod.get("spec") or {}))
    return errs


def _container_updates(
    new: Sequence[Mapping[str, Any]], old: Sequence[Mapping[str, Any]], path: str
) -> tuple[Errors, bool]:
    if len(new) != len(old):
        return [FieldError.forbidden(path, "pod updates may not add or remove containers")], True
    errs: Errors = []
    for i, c in enumerate(new):
        image = c.get("image") or ""
        if not image:
            errs.append(FieldError.required(f"{path}[{i}].image", ""))
        if image.strip() != image:
            errs.append(
                FieldError.invalid(
                    f"{path}[{i}].image", image, "must not have leading or trailing whitespace"
                )
            )
    return errs, False


def _deadline_update(new: Any, old: Any) -> tuple[Errors, bool]:
    path = "spec.activeDeadlineSeconds"
    if new is not None:
        if not 0 <= new <= 2147483647:
            return [FieldError.invalid(path, new, "must be between 0 and 2147483647, inclusive")], True
        if old is not None and old < new:
            return [FieldError.invalid(path, new, "must be less than or equal to previous value")], True
    elif old is not None:
        return [FieldError.invalid(path, None, "must not update from a positive integer to nil value")], False
    return [], False


def _only_added_tolerations(new: Sequence[Mapping[str, Any]], old: Sequence[Mapping[str, Any]]) -> Errors:
    def same(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
        keys = ("key", "operator", "value", "effect")
        return all((a.get(k) or "") == (b.get(k) or "") for k in keys)

    errs: Errors = []
    for i, o in enumerate(old):
        if not any(same(o, n) for n in new):
            errs.append(
                FieldError.forbidden(
                    f"spec.tolerations[{i}]",
                    "existing toleration can not be modified except its tolerationSeconds",
                )
            )
    return errs


def validate_pod_update(pod: Mapping[str, Any], old: Mapping[str, Any]) -> Errors:
    """ValidatePodUpdate: only images, activeDeadlineSeconds, added tolerations and a few more may change."""
    errs = common.validate_object_meta_update(pod.get("metadata") or {}, old.get("metadata") or {})
    spec, old_spec = pod.get("spec") or {}, old.get("spec") or {}
    errs.extend(validate_pod_spec(spec))
    for key in ("containers", "initContainers"):
        found, stop = _container_updates(spec.get(key) or [], old_spec.get(key) or [], f"spec.{key}")
        errs.extend(found)
        if stop:
            return errs
    found, stop = _deadline_update(spec.get("activeDeadlineSeconds"), old_spec.get("activeDeadlineSeconds"))
    errs.extend(found)
    if stop:
        return errs
    errs.extend(_only_added_tolerations(spec.get("tolerations") or [], old_spec.get("tolerations") or []))
    if spec == old_spec:
        return errs
    munged = dict(spec)
    for key in ("containers", "initContainers"):
        olds = old_spec.get(key) or []
        if key in spec:
            munged[key] = [
                {**n, "image": o.get("image")} if "image" in o else n
                for n, o in zip(spec[key] or [], olds, strict=True)
            ]
    for key in ("activeDeadlineSeconds", "tolerations", "schedulingGates"):
        if key in old_spec:
            munged[key] = old_spec[key]
        else:
            munged.pop(key, None)
    old_tg = old_spec.get("terminationGracePeriodSeconds")
    if isinstance(old_tg, int) and old_tg < 0 and spec.get("terminationGracePeriodSeconds") == 1:
        munged["terminationGracePeriodSeconds"] = old_tg
    if munged != dict(old_spec):
        errs.append(
            FieldError.forbidden(
                "spec",
                f"pod updates may not change fields other than {_UPDATABLE}\n"
                + common.spec_diff("core.PodSpec", old_spec, munged),
            )
        )
    return errs
