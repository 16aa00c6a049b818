"""apps/v1 validation: StatefulSet, Deployment, ReplicaSet, ControllerRevision."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import simk8s.api.names as names
import simk8s.api.selectors as selectors
import simk8s.api.validation.common as common
from simk8s.api.errors import ApiError, FieldError, GoValue
from simk8s.api.validation.pod import validate_pod_template

__all__ = [
    "STATEFULSET_SPEC_FORBIDDEN",
    "validate_controller_revision",
    "validate_deployment",
    "validate_replica_set",
    "validate_stateful_set",
]

Errors = list[FieldError]

# 1.32 wording, with revisionHistoryLimit mutable (reference statefulset.md §9).
STATEFULSET_SPEC_FORBIDDEN = (
    "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', "
    "'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"
)
_STS_MUTABLE = (
    "replicas",
    "ordinals",
    "template",
    "updateStrategy",
    "revisionHistoryLimit",
    "persistentVolumeClaimRetentionPolicy",
    "minReadySeconds",
)
_PERCENT = re.compile(r"^[0-9]+%$")


def _selector_of(spec: Mapping[str, Any]) -> selectors.LabelSelector | None:
    try:
        return selectors.from_api(spec.get("selector"))
    except ApiError:
        return None


def _template_labels(spec: Mapping[str, Any]) -> Any:
    return ((spec.get("template") or {}).get("metadata") or {}).get("labels")


def _selector_errors(spec: Mapping[str, Any], path: str, what: str) -> Errors:
    sel = spec.get("selector")
    if sel is None:
        return [FieldError.required(f"{path}.selector", "")]
    errs = common.validate_label_selector(sel, f"{path}.selector")
    if not (sel.get("matchLabels") or sel.get("matchExpressions")):
        errs.append(
            FieldError.invalid(
                f"{path}.selector", common.go_label_selector(sel), f"empty selector is invalid for {what}"
            )
        )
    return errs


def _template_mismatch(spec: Mapping[str, Any], selector: selectors.LabelSelector, path: str) -> Errors:
    labels = _template_labels(spec)
    if not selector.empty and not selector.matches(labels):
        return [
            FieldError.invalid(
                f"{path}.template.metadata.labels",
                common.go_string_map(labels),
                "`selector` does not match template `labels`",
            )
        ]
    return []


def _percent_value(v: Any) -> tuple[int, bool]:
    if isinstance(v, str) and _PERCENT.match(v):
        return int(v[:-1]), True
    return 0, False


def _int_or_percent_value(v: Any) -> int:
    value, is_percent = _percent_value(v)
    if is_percent:
        return value
    if isinstance(v, str):
        try:
            return int(v)
        except ValueError:
            return 0
    return int(v or 0)


def _positive_int_or_percent(v: Any, path: str) -> Errors:
    if isinstance(v, str):
        if not _PERCENT.match(v):
            return [
                FieldError.invalid(
                    path,
                    common.go_int_or_string(v),
                    names.regex_error(
                        "a valid percent string must be a numeric string followed by an ending '%'",
                        "[0-9]+%",
                        "1%",
                        "93%",
                    ),
                )
            ]
        return []
    return common.nonnegative(v, path)


def _not_more_than_100(v: Any, path: str) -> Errors:
    value, is_percent = _percent_value(v)
    if is_percent and value > 100:
        return [FieldError.invalid(path, common.go_int_or_string(v), "must not be greater than 100%")]
    return []


# --------------------------------------------------------------------------------------------
# StatefulSet


def _sts_update_strategy(spec: Mapping[str, Any], path: str) -> Errors:
    strategy = spec.get("updateStrategy") or {}
    stype = strategy.get("type") or ""
    ru = strategy.get("rollingUpdate")
    p = f"{path}.updateStrategy"
    if stype == "":
        return [FieldError.required(p, "")]
    if stype == "OnDelete":
        if ru is not None:
            return [
                FieldError.invalid(
                    f"{p}.rollingUpdate",
                    _go_sts_rolling_update(ru),
                    "only allowed for updateStrategy 'RollingUpdate'",
                )
            ]
        return []
    if stype == "RollingUpdate":
        if ru is None:
            return []
        errs = common.nonnegative(ru.get("partition", 0), f"{p}.rollingUpdate.partition")
        mu = ru.get("maxUnavailable")
        if mu is not None:
            mp = f"{p}.rollingUpdate.maxUnavailable"
            errs.extend(_positive_int_or_percent(mu, mp))
            if _int_or_percent_value(mu) == 0:
                errs.append(FieldError.invalid(mp, common.go_int_or_string(mu), "cannot be 0"))
            errs.extend(_not_more_than_100(mu, mp))
        return errs
    ru_text = (
        "(*apps.RollingUpdateStatefulSetStrategy)(nil)"
        if ru is None
        else "(*apps.RollingUpdateStatefulSetStrategy)(0xc000a1c000)"
    )
    value = GoValue(f'apps.StatefulSetUpdateStrategy{{Type:"{stype}", RollingUpdate:{ru_text}}}')
    return [FieldError.invalid(p, value, "must be 'RollingUpdate' or 'OnDelete'")]


def _go_sts_rolling_update(ru: Mapping[str, Any]) -> GoValue:
    mu = (
        "(*intstr.IntOrString)(nil)"
        if ru.get("maxUnavailable") is None
        else "(*intstr.IntOrString)(0xc000a1c010)"
    )
    return GoValue(
        f"apps.RollingUpdateStatefulSetStrategy{{Partition:{int(ru.get('partition') or 0)}, "
        f"MaxUnavailable:{mu}}}"
    )


def _retention(policy: Mapping[str, Any] | None, path: str) -> Errors:
    errs: Errors = []
    if policy is None:
        return errs
    for key in ("whenDeleted", "whenScaled"):
        value = policy.get(key, "")
        if value not in ("Retain", "Delete"):
            errs.append(FieldError.not_supported(f"{path}.{key}", value, ["Retain", "Delete"]))
    return errs


def _sts_spec(spec: Mapping[str, Any], path: str = "spec") -> Errors:
    errs: Errors = []
    pmp = spec.get("podManagementPolicy") or ""
    if pmp == "":
        errs.append(FieldError.required(f"{path}.podManagementPolicy", ""))
    elif pmp not in ("OrderedReady", "Parallel"):
        errs.append(
            FieldError.invalid(f"{path}.podManagementPolicy", pmp, "must be 'OrderedReady' or 'Parallel'")
        )
    errs.extend(_sts_update_strategy(spec, path))
    errs.extend(
        _retention(
            spec.get("persistentVolumeClaimRetentionPolicy"), f"{path}.persistentVolumeClaimRetentionPolicy"
        )
    )
    errs.extend(common.nonnegative(spec.get("replicas", 0), f"{path}.replicas"))
    errs.extend(common.nonnegative(spec.get("minReadySeconds", 0), f"{path}.minReadySeconds"))
    if spec.get("ordinals") is not None:
        errs.extend(common.nonnegative(spec["ordinals"].get("start", 0), f"{path}.ordinals.start"))
    errs.extend(_selector_errors(spec, path, "statefulset"))
    selector = _selector_of(spec)
    if selector is None:
        errs.append(
            FieldError.invalid(f"{path}.selector", common.go_label_selector(spec.get("selector") or {}), "")
        )
    else:
        errs.extend(_template_mismatch(spec, selector, path))
        meta = (spec.get("template") or {}).get("metadata") or {}
        errs.extend(common.validate_labels(meta.get("labels"), f"{path}.template.labels"))
        errs.extend(common.validate_annotations(meta.get("annotations"), f"{path}.template.annotations"))
    errs.extend(_controller_pod_spec((spec.get("template") or {}).get("spec") or {}, path, "StatefulSet"))
    return errs


def _controller_pod_spec(pod_spec: Mapping[str, Any], path: str, owner: str) -> Errors:
    """What a controller's pod template may not say: a restartPolicy other than Always, an
    activeDeadlineSeconds (pods that must run for ever)."""
    errs: Errors = []
    restart = pod_spec.get("restartPolicy", "")
    if restart != "Always":
        errs.append(FieldError.not_supported(f"{path}.template.spec.restartPolicy", restart, ["Always"]))
    if pod_spec.get("activeDeadlineSeconds") is not None:
        errs.append(FieldError.forbidden(f"{path}.template.spec.activeDeadlineSeconds",
                                         f"activeDeadlineSeconds in {owner} is not Supported"))
    return errs


def validate_stateful_set(obj: Mapping[str, Any], old: Mapping[str, Any] | None) -> Errors:
    """ValidateStatefulSet / ValidateStatefulSetUpdate (the name is not revalidated on update)."""
    spec = obj.get("spec") or {}
    errs = common.object_meta(obj, old, name_fn=common.name_is_dns1123_label)
    if old is None:
        return errs + _sts_spec(spec)
    errs.extend(_sts_spec(spec))
    old_spec = old.get("spec") or {}
    frozen_new = {k: v for k, v in spec.items() if k not in _STS_MUTABLE}
    frozen_old = {k: v for k, v in old_spec.items() if k not in _STS_MUTABLE}
    if frozen_new != frozen_old:
        errs.append(FieldError.forbidden("spec", STATEFULSET_SPEC_FORBIDDEN))
    return errs


# --------------------------------------------------------------------------------------------
# Deployment and ReplicaSet


def _replica_template(spec: Mapping[str, Any], path: str, owner: str) -> Errors:
    selector = _selector_of(spec)
    if selector is None:
        return [
            FieldError.invalid(
                f"{path}.selector",
                common.go_label_selector(spec.get("selector") or {}),
                "invalid label selector",
            )
        ]
    errs = _template_mismatch(spec, selector, path)
    template = spec.get("template") or {}
    errs.extend(validate_pod_template(template, f"{path}.template"))
    errs.extend(_controller_pod_spec(template.get("spec") or {}, path, owner))
    return errs


def _deployment_strategy(strategy: Mapping[str, Any], path: str) -> Errors:
    stype = strategy.get("type") or ""
    ru = strategy.get("rollingUpdate")
    if stype == "Recreate":
        if ru is not None:
            return [
                FieldError.forbidden(
                    f"{path}.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'"
                )
            ]
        return []
    if stype == "RollingUpdate":
        if ru is None:
            return [FieldError.required(f"{path}.rollingUpdate", "this should be defaulted and never be nil")]
        p = f"{path}.rollingUpdate"
        mu, ms = ru.get("maxUnavailable", 0), ru.get("maxSurge", 0)
        errs = _positive_int_or_percent(mu, f"{p}.maxUnavailable")
        errs.extend(_positive_int_or_percent(ms, f"{p}.maxSurge"))
        if _int_or_percent_value(mu) == 0 and _int_or_percent_value(ms) == 0:
            errs.append(
                FieldError.invalid(
                    f"{p}.maxUnavailable", common.go_int_or_string(mu), "may not be 0 when `maxSurge` is 0"
                )
            )
        errs.extend(_not_more_than_100(mu, f"{p}.maxUnavailable"))
        return errs
    ru_text = (
        "(*apps.RollingUpdateDeployment)(nil)"
        if ru is None
        else "(*apps.RollingUpdateDeployment)(0xc000a1c020)"
    )
    value = GoValue(f'apps.DeploymentStrategy{{Type:"{stype}", RollingUpdate:{ru_text}}}')
    return [FieldError.not_supported(path, value, ["Recreate", "RollingUpdate"])]


def validate_deployment(obj: Mapping[str, Any], old: Mapping[str, Any] | None) -> Errors:
    spec = obj.get("spec") or {}
    errs = common.object_meta(obj, old)
    errs.extend(common.nonnegative(spec.get("replicas", 0), "spec.replicas"))
    errs.extend(_selector_errors(spec, "spec", "deployment"))
    errs.extend(_replica_template(spec, "spec", "ReplicaSet"))
    errs.extend(_deployment_strategy(spec.get("strategy") or {}, "spec.strategy"))
    mrs = spec.get("minReadySeconds", 0)
    errs.extend(common.nonnegative(mrs, "spec.minReadySeconds"))
    if spec.get("revisionHistoryLimit") is not None:
        errs.extend(common.nonnegative(spec["revisionHistoryLimit"], "spec.revisionHistoryLimit"))
    pds = spec.get("progressDeadlineSeconds")
    if pds is not None:
        errs.extend(common.nonnegative(pds, "spec.progressDeadlineSeconds"))
        if pds <= (mrs or 0):
            errs.append(
                FieldError.invalid(
                    "spec.progressDeadlineSeconds", pds, "must be greater than minReadySeconds"
                )
            )
    if old is not None:
        errs.extend(common.immutable(spec.get("selector"), (old.get("spec") or {}).get("selector"), "spec.selector",
                                     common.go_label_selector(spec.get("selector") or {})))
    return errs


def validate_replica_set(obj: Mapping[str, Any], old: Mapping[str, Any] | None) -> Errors:
    spec = obj.get("spec") or {}
    errs = common.object_meta(obj, old)
    errs.extend(common.nonnegative(spec.get("replicas", 0), "spec.replicas"))
    errs.extend(common.nonnegative(spec.get("minReadySeconds", 0), "spec.minReadySeconds"))
    errs.extend(_selector_errors(spec, "spec", "deployment"))
    errs.extend(_replica_template(spec, "spec", "ReplicaSet"))
    if old is not None:
        errs.extend(common.immutable(spec.get("selector"), (old.get("spec") or {}).get("selector"), "spec.selector",
                                     common.go_label_selector(spec.get("selector") or {})))
    return errs


def validate_controller_revision(obj: Mapping[str, Any], old: Mapping[str, Any] | None) -> Errors:
    errs: Errors = []
    if old is not None:
        errs.extend(common.validate_object_meta_update(obj.get("metadata") or {}, old.get("metadata") or {}))
    errs.extend(
        common.validate_object_meta(obj.get("metadata") or {}, True, common.name_is_dns1123_subdomain)
    )
    if obj.get("data") is None:
        errs.append(FieldError.required("data", "data is mandatory"))
    errs.extend(common.nonnegative(obj.get("revision", 0), "revision"))
    if old is not None and obj.get("data") != old.get("data"):
        errs.append(FieldError.invalid("data", GoValue("runtime.RawExtension{...}"), "field is immutable"))
    return errs
