"""core/v1 Service, Endpoints and discovery/v1 EndpointSlice validation."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

import simk8s.api.names as names
import simk8s.api.validation.common as common
from simk8s.api.errors import FieldError, GoValue, go_string_slice
from simk8s.api.validation.pod import PROTOCOLS

__all__ = ["validate_endpoint_slice", "validate_endpoints", "validate_service"]

Errors = list[FieldError]

_TYPES = ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort")
_AFFINITY = ("ClientIP", "None")
_IP_ERROR = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"


def _valid_ip(ip: Any) -> bool:
    try:
        ipaddress.ip_address(str(ip))
    except ValueError:
        return False
    return True


def _cluster_ips(spec: Mapping[str, Any]) -> list[str]:
    ips = spec.get("clusterIPs")
    if ips:
        return [str(i) for i in ips]
    return [spec["clusterIP"]] if spec.get("clusterIP") else []


def _go_service_port(port: Any, protocol: Any) -> GoValue:
    return GoValue(
        f'core.ServicePort{{Name:"", Protocol:"{protocol}", AppProtocol:(*string)(nil), Port:{port}, '
        'TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}'
    )


def _service_port(port: Mapping[str, Any], p: str, require_name: bool, names_seen: set[str]) -> Errors:
    errs: Errors = []
    name = port.get("name") or ""
    if require_name and not name:
        errs.append(FieldError.required(f"{p}.name", ""))
    elif name:
        errs.extend(FieldError.invalid(f"{p}.name", name, m) for m in names.is_dns1123_label(name))
        if name in names_seen:
            errs.append(FieldError.duplicate(f"{p}.name", name))
        else:
            names_seen.add(name)
    errs.extend(common.port_range(port.get("port", 0), f"{p}.port"))
    errs.extend(common.not_supported(port.get("protocol"), PROTOCOLS, f"{p}.protocol"))
    target = port.get("targetPort")
    errs.extend(common.validate_port_num_or_name(0 if target is None else target, f"{p}.targetPort"))
    return errs


def _type_rules(spec: Mapping[str, Any], stype: str, ips: list[str], headless: bool) -> Errors:
    if stype in ("NodePort", "LoadBalancer") and headless:
        return [
            FieldError.invalid("spec.clusterIPs[0]", ips[0], f"may not be set to 'None' for {stype} services")
        ]
    if stype != "ExternalName":
        return []
    errs: Errors = []
    if ips:
        errs.append(FieldError.forbidden("spec.clusterIPs", "may not be set for ExternalName services"))
    if spec.get("ipFamilies"):
        errs.append(FieldError.forbidden("spec.ipFamilies", "may not be set for ExternalName services"))
    if spec.get("ipFamilyPolicy") is not None:
        errs.append(FieldError.forbidden("spec.ipFamilyPolicy", "may not be set for ExternalName services"))
    cname = str(spec.get("externalName") or "").removesuffix(".")
    if cname:
        errs.extend(
            FieldError.invalid("spec.externalName", cname, m) for m in names.is_dns1123_subdomain(cname)
        )
    else:
        errs.append(FieldError.required("spec.externalName", ""))
    return errs


def _validate_service_spec(spec: Mapping[str, Any]) -> Errors:
    """ValidateService's spec checks, in its order."""
    errs: Errors = []
    stype = spec.get("type") or ""
    ips = _cluster_ips(spec)
    headless = bool(ips) and ips[0] == "None"
    ports = spec.get("ports") or []
    if not ports and not headless and stype != "ExternalName":
        errs.append(FieldError.required("spec.ports", ""))
    errs.extend(_type_rules(spec, stype, ips, headless))
    seen_names: set[str] = set()
    for i, port in enumerate(ports):
        errs.extend(_service_port(port, f"spec.ports[{i}]", len(ports) > 1, seen_names))
    if spec.get("selector") is not None:
        errs.extend(common.validate_labels(spec["selector"], "spec.selector"))
    errs.extend(common.not_supported(spec.get("sessionAffinity"), _AFFINITY, "spec.sessionAffinity"))
    for i, ip in enumerate(ips):
        if ip != "None" and not _valid_ip(ip):
            errs.append(FieldError.invalid(f"spec.clusterIPs[{i}]", ip, _IP_ERROR))
    errs.extend(common.not_supported(stype, _TYPES, "spec.type"))
    if stype == "ClusterIP":
        errs.extend(
            FieldError.forbidden(f"spec.ports[{i}].nodePort", "may not be used when `type` is 'ClusterIP'")
            for i, port in enumerate(ports)
            if port.get("nodePort")
        )
    seen_ports: set[tuple[Any, Any]] = set()
    for i, port in enumerate(ports):
        key = (port.get("port"), port.get("protocol"))
        if key in seen_ports:
            errs.append(FieldError.duplicate(f"spec.ports[{i}]", _go_service_port(*key)))
        seen_ports.add(key)
    return errs


def _cluster_ip_changes(spec: Mapping[str, Any], old_spec: Mapping[str, Any]) -> Errors:
    """validateUpgradeDowngradeClusterIPs: an allocated cluster IP never changes (nor is unset)."""
    if "ExternalName" in (spec.get("type"), old_spec.get("type")):
        return []
    new_ips, old_ips = _cluster_ips(spec), _cluster_ips(old_spec)
    if not new_ips or not old_ips or (new_ips[0] == "None" and old_ips[0] == "None"):
        # An omitted cluster IP is carried over from the stored object by the server.
        return []
    return [
        FieldError.invalid(
            f"spec.clusterIPs[{i}]", go_string_slice(new_ips), "may not change once set"
        )
        for i, ip in enumerate(old_ips[: len(new_ips)])
        if ip != new_ips[i]
    ]


def validate_service(obj: Mapping[str, Any], old: Mapping[str, Any] | None) -> Errors:
    spec = obj.get("spec") or {}
    errs = common.object_meta(obj, old, name_fn=common.name_is_dns1035_label)
    if old is None:
        return errs + _validate_service_spec(spec)
    errs.extend(_cluster_ip_changes(spec, old.get("spec") or {}))
    return errs + _validate_service_spec(spec)


def validate_endpoints(obj: Mapping[str, Any], old: Mapping[str, Any] | None) -> Errors:
    errs = common.object_meta(obj, old)
    for i, subset in enumerate(obj.get("subsets") or []):
        p = f"subsets[{i}]"
        for key in ("addresses", "notReadyAddresses"):
            for j, addr in enumerate(subset.get(key) or []):
                if not _valid_ip(addr.get("ip", "")):
                    errs.append(FieldError.invalid(f"{p}.{key}[{j}].ip", addr.get("ip", ""), _IP_ERROR))
                if addr.get("hostname"):
                    errs.extend(
                        FieldError.invalid(f"{p}.{key}[{j}].hostname", addr["hostname"], m)
                        for m in names.is_dns1123_label(addr["hostname"])
                    )
        for j, port in enumerate(subset.get("ports") or []):
            pp = f"{p}.ports[{j}]"
            if port.get("name"):
                errs.extend(
                    FieldError.invalid(f"{pp}.name", port["name"], m)
                    for m in names.is_dns1123_label(port["name"])
                )
            errs.extend(common.port_range(port.get("port", 0), f"{pp}.port"))
            errs.extend(common.not_supported(port.get("protocol"), PROTOCOLS, f"{pp}.protocol"))
    return errs


def validate_endpoint_slice(obj: Mapping[str, Any], old: Mapping[str, Any] | None) -> Errors:
    errs = common.object_meta(obj, old)
    at = obj.get("addressType")
    errs.extend(common.not_supported(at, ("IPv4", "IPv6", "FQDN"), "addressType"))
    for i, ep in enumerate(obj.get("endpoints") or []):
        addrs = ep.get("addresses") or []
        if not addrs:
            errs.append(FieldError.required(f"endpoints[{i}].addresses", "must contain at least 1 address"))
        for j, a in enumerate(addrs):
            if at in ("IPv4", "IPv6") and not _valid_ip(a):
                errs.append(FieldError.invalid(f"endpoints[{i}].addresses[{j}]", a, _IP_ERROR))
        if ep.get("hostname"):
            errs.extend(
                FieldError.invalid(f"endpoints[{i}].hostname", ep["hostname"], m)
                for m in names.is_dns1123_label(ep["hostname"])
            )
    for i, port in enumerate(obj.get("ports") or []):
        if port.get("port") is not None:
            errs.extend(common.port_range(port["port"], f"ports[{i}].port"))
        if port.get("protocol") is not None:
            errs.extend(common.not_supported(port["protocol"], PROTOCOLS, f"ports[{i}].protocol"))
    if old is not None and old.get("addressType") != at:
        errs.extend(common.immutable(at, old.get("addressType"), "addressType"))
    return errs
