"""PersistentVolumeClaim, PersistentVolume (core/v1) and StorageClass (storage.k8s.io/v1) validation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import simk8s.api.names as names
import simk8s.api.validation.common as common
from simk8s.api.errors import FieldError, GoValue
from simk8s.api.quantity import Quantity

__all__ = ["PVC_SPEC_FORBIDDEN", "validate_pv", "validate_pvc", "validate_storage_class"]

Errors = list[FieldError]

ACCESS_MODES = ("ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod")
VOLUME_MODES = ("Block", "Filesystem")
PVC_SPEC_FORBIDDEN = (
    "spec is immutable after creation except resources.requests and volumeAttributesClassName "
    "for bound claims"
)
_PV_SOURCES = (
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "hostPath",
    "glusterfs",
    "nfs",
    "rbd",
    "iscsi",
    "cinder",
    "cephfs",
    "fc",
    "flocker",
    "flexVolume",
    "azureFile",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "portworxVolume",
    "scaleIO",
    "local",
    "storageos",
    "csi",
)
_RECLAIM = ("Delete", "Recycle", "Retain")


def _class_name(name: Any, path: str) -> Errors:
    if not name:
        return []
    return [FieldError.invalid(path, name, m) for m in names.is_dns1123_subdomain(str(name))]


def _access_modes(modes: list[Any], path: str, required_detail: str) -> Errors:
    errs: Errors = []
    if not modes:
        errs.append(FieldError.required(path, required_detail))
    return errs


def _access_mode_values(modes: list[Any], path: str) -> Errors:
    errs: Errors = []
    rwop = other = False
    for m in modes:
        if m not in ACCESS_MODES:
            errs.append(FieldError.not_supported(path, m, ACCESS_MODES))
        elif m == "ReadWriteOncePod":
            rwop = True
        else:
            other = True
    if rwop and other:
        errs.append(FieldError.forbidden(path, "may not use ReadWriteOncePod with other access modes"))
    return errs


def _pvc_spec(spec: Mapping[str, Any], path: str = "spec") -> Errors:
    """ValidatePersistentVolumeClaimSpec, in its order."""
    modes = list(spec.get("accessModes") or [])
    errs = _access_modes(modes, f"{path}.accessModes", "at least 1 access mode is required")
    if spec.get("selector") is not None:
        errs.extend(common.validate_label_selector(spec["selector"], f"{path}.selector"))
    errs.extend(_access_mode_values(modes, f"{path}.accessModes"))
    requests = (spec.get("resources") or {}).get("requests") or {}
    if "storage" not in requests:
        errs.append(FieldError.required(f"{path}.resources[storage]", ""))
    else:
        q = common.quantity_or_none(requests["storage"])
        if q is not None and q.value <= 0:
            errs.append(FieldError.invalid(f"{path}.resources[storage]", str(q), "must be greater than zero"))
    errs.extend(_class_name(spec.get("storageClassName"), f"{path}.storageClassName"))
    vm = spec.get("volumeMode")
    if vm is not None and vm not in VOLUME_MODES:
        errs.append(FieldError.not_supported(f"{path}.volumeMode", vm, VOLUME_MODES))
    return errs


def _storage_request(pvc: Mapping[str, Any]) -> Quantity | None:
    return common.quantity_or_none(((pvc.get("spec") or {}).get("resources") or {}).get("requests", {}).get("storage"))


def validate_pvc(obj: Mapping[str, Any], old: Mapping[str, Any] | None) -> Errors:
    meta = obj.get("metadata") or {}
    spec = obj.get("spec") or {}
    if old is None:
        errs = common.validate_object_meta(meta, True, common.name_is_dns1123_subdomain)
        return errs + _pvc_spec(spec)
    errs = common.validate_object_meta_update(meta, old.get("metadata") or {})
    errs.extend(common.validate_object_meta(meta, True, common.name_is_dns1123_subdomain))
    errs.extend(_pvc_spec(spec))
    old_spec = old.get("spec") or {}
    phase = (obj.get("status") or old.get("status") or {}).get("phase")
    new_cmp, old_cmp = dict(spec), dict(old_spec)
    if not old_spec.get("volumeName"):
        # The PV controller sets volumeName once, when it binds the claim.
        old_cmp["volumeName"] = spec.get("volumeName")
        if old_cmp["volumeName"] is None:
            old_cmp.pop("volumeName")
    if old_spec.get("storageClassName") is None and spec.get("storageClassName") is not None:
        # A claim without a class may get one later (retroactive default StorageClass).
        new_cmp.pop("storageClassName")
    if phase == "Bound":
        new_res = dict(new_cmp.get("resources") or {})
        new_res["requests"] = {
            **(new_res.get("requests") or {}),
            "storage": ((old_cmp.get("resources") or {}).get("requests") or {}).get("storage"),
        }
        new_cmp["resources"] = new_res
        if "volumeAttributesClassName" in new_cmp:
            new_cmp["volumeAttributesClassName"] = old_cmp.get("volumeAttributesClassName")
    if new_cmp != old_cmp:
        errs.append(
            FieldError.forbidden(
                "spec",
                PVC_SPEC_FORBIDDEN
                + "\n"
                + common.spec_diff("core.PersistentVolumeClaimSpec", old_cmp, new_cmp),
            )
        )
    new_size, old_size = _storage_request(obj), _storage_request(old)
    if new_size is not None and old_size is not None and new_size < old_size:
        capacity = common.quantity_or_none(((old.get("status") or {}).get("capacity") or {}).get("storage", 0))
        if capacity is not None and new_size <= capacity:
            errs.append(
                FieldError.forbidden(
                    "spec.resources.requests.storage", "field can not be less than status.capacity"
                )
            )
    errs.extend(common.immutable(spec.get("volumeMode"), old_spec.get("volumeMode"), "volumeMode"))
    return errs


def _pv_capacity(cap: Mapping[str, Any]) -> Errors:
    errs: Errors = []
    if not cap:
        errs.append(FieldError.required("spec.capacity", ""))
    if "storage" not in cap or len(cap) > 1:
        shown = common.go_string_map(cap, "core.ResourceList")
        errs.append(FieldError.not_supported("spec.capacity", shown, ["storage"]))
    for name in sorted(cap):
        q = common.quantity_or_none(cap[name])
        if q is not None and q.value <= 0:
            errs.append(FieldError.invalid(f"spec.capacity[{name}]", str(q), "must be greater than zero"))
    return errs


def _pv_sources(spec: Mapping[str, Any]) -> Errors:
    """The first volume source counts; each further one is Forbidden (ValidatePersistentVolumeSpec)."""
    errs: Errors = []
    present = [s for s in _PV_SOURCES if spec.get(s) is not None]
    errs.extend(
        FieldError.forbidden(f"spec.{s}", "may not specify more than 1 volume type") for s in present[1:]
    )
    first = present[0] if present else ""
    if first == "hostPath" and not spec["hostPath"].get("path"):
        errs.append(FieldError.required("spec.hostPath.path", ""))
    if first == "local":
        if not spec["local"].get("path"):
            errs.append(FieldError.required("spec.local.path", ""))
        if not spec.get("nodeAffinity"):
            errs.append(FieldError.required("spec.nodeAffinity", "Local volume requires node affinity"))
    if not present:
        errs.append(FieldError.required("spec", "must specify a volume type"))
    return errs


def _pv_spec(spec: Mapping[str, Any]) -> Errors:
    """ValidatePersistentVolumeSpec, in its order."""
    modes = list(spec.get("accessModes") or [])
    errs = _access_modes(modes, "spec.accessModes", "")
    errs.extend(_access_mode_values(modes, "spec.accessModes"))
    errs.extend(_pv_capacity(spec.get("capacity") or {}))
    rp = spec.get("persistentVolumeReclaimPolicy")
    if rp and rp not in _RECLAIM:
        errs.append(FieldError.not_supported("spec.persistentVolumeReclaimPolicy", rp, _RECLAIM))
    errs.extend(_pv_sources(spec))
    errs.extend(_class_name(spec.get("storageClassName"), "spec.storageClassName"))
    vm = spec.get("volumeMode")
    if vm is not None and vm not in VOLUME_MODES:
        errs.append(FieldError.not_supported("spec.volumeMode", vm, VOLUME_MODES))
    return errs


def validate_pv(obj: Mapping[str, Any], old: Mapping[str, Any] | None) -> Errors:
    spec = obj.get("spec") or {}
    errs = common.object_meta(obj, old, False)
    if old is None:
        return errs + _pv_spec(spec)
    errs.extend(_pv_spec(spec))
    old_spec = old.get("spec") or {}
    new_src = {k: spec[k] for k in _PV_SOURCES if k in spec}
    old_src = {k: old_spec[k] for k in _PV_SOURCES if k in old_spec}
    if new_src != old_src:
        errs.append(
            FieldError.forbidden(
                "spec.persistentvolumesource",
                "spec.persistentvolumesource is immutable after creation\n"
                + common.spec_diff("core.PersistentVolumeSource", old_src, new_src),
            )
        )
    # Upstream reports these two without the "spec." prefix.
    errs.extend(common.immutable(spec.get("volumeMode"), old_spec.get("volumeMode"), "volumeMode"))
    if old_spec.get("nodeAffinity") is not None and spec.get("nodeAffinity") != old_spec.get("nodeAffinity"):
        shown = GoValue("&core.VolumeNodeAffinity{...}")
        errs.append(FieldError.invalid("nodeAffinity", shown, "field is immutable"))
    return errs


def validate_storage_class(obj: Mapping[str, Any], old: Mapping[str, Any] | None) -> Errors:
    errs = common.object_meta(obj, old, False)
    prov = obj.get("provisioner") or ""
    if not prov:
        errs.append(FieldError.required("provisioner", ""))
    else:
        errs.extend(FieldError.invalid("provisioner", prov, m) for m in names.is_qualified_name(prov.lower()))
    params = obj.get("parameters") or {}
    if len(params) > 512:
        errs.append(FieldError("FieldValueTooLong", "parameters", "", "must have at most 512 parameters"))
    for k in sorted(params):
        if not k:
            errs.append(FieldError.invalid("parameters", k, "field can not be empty."))
    rp = obj.get("reclaimPolicy")
    if rp is not None and rp not in ("Delete", "Retain"):
        errs.append(FieldError.not_supported("reclaimPolicy", rp, ["Delete", "Retain"]))
    vbm = obj.get("volumeBindingMode")
    if vbm is None:
        errs.append(FieldError.required("volumeBindingMode", ""))
    elif vbm not in ("Immediate", "WaitForFirstConsumer"):
        errs.append(FieldError.not_supported("volumeBindingMode", vbm, ["Immediate", "WaitForFirstConsumer"]))
    if old is not None:
        if (old.get("parameters") or {}) != params:
            errs.append(FieldError.forbidden("parameters", "updates to parameters are forbidden."))
        if old.get("provisioner") != prov:
            errs.append(FieldError.forbidden("provisioner", "updates to provisioner are forbidden."))
        if old.get("reclaimPolicy") != rp:
            errs.append(FieldError.forbidden("reclaimPolicy", "updates to reclaimPolicy are forbidden."))
        errs.extend(common.immutable(vbm, old.get("volumeBindingMode"), "volumeBindingMode"))
    return errs
