"""networking.k8s.io/v1 NetworkPolicy, as ``pkg/apis/networking/validation`` checks it (1.32 texts)."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

import simk8s.api.names as names
import simk8s.api.validation.common as common
from simk8s.api.errors import FieldError, GoValue

__all__ = ["validate_network_policy"]

Errors = list[FieldError]

PROTOCOLS = ("TCP", "UDP", "SCTP")
POLICY_TYPES = ("Ingress", "Egress")


def _port(port: Mapping[str, Any], path: str) -> Errors:
    errs: Errors = []
    protocol = port.get("protocol")
    if protocol is not None and protocol not in PROTOCOLS:
        errs.append(FieldError.not_supported(f"{path}.protocol", protocol, PROTOCOLS))
    number = port.get("port")
    end = port.get("endPort")
    if number is not None:
        if isinstance(number, int):
            errs.extend(common.port_range(number, f"{path}.port"))
            if end is not None:
                if end < number:
                    errs.append(FieldError.invalid(f"{path}.endPort", end, "must be greater than or equal to `port`"))
                errs.extend(common.port_range(end, f"{path}.endPort"))
        else:
            if end is not None:
                errs.append(FieldError.invalid(f"{path}.endPort", end, "may not be specified when `port` is non-numeric"))
            errs.extend(FieldError.invalid(f"{path}.port", number, m) for m in names.is_port_name(str(number)))
    elif end is not None:
        errs.append(FieldError.invalid(f"{path}.endPort", end, "may not be specified when `port` is not specified"))
    return errs


def _cidr(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    if "/" not in text:
        return None
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


def _ip_block(block: Mapping[str, Any], path: str) -> Errors:
    cidr_text = block.get("cidr") or ""
    if not cidr_text:
        return [FieldError.required(f"{path}.cidr", "")]
    cidr = _cidr(cidr_text)
    if cidr is None:
        return [FieldError.invalid(f"{path}.cidr", cidr_text, "not a valid CIDR")]
    errs: Errors = []
    for i, text in enumerate(block.get("except") or ()):
        p = f"{path}.except[{i}]"
        ex = _cidr(str(text))
        if ex is None:
            errs.append(FieldError.invalid(p, text, "not a valid CIDR"))
            return errs
        if ex.version != cidr.version or ex.network_address not in cidr or cidr.prefixlen >= ex.prefixlen:
            errs.append(FieldError.invalid(p, text, "must be a strict subset of `cidr`"))
    return errs


def _peer(peer: Mapping[str, Any], path: str) -> Errors:
    errs: Errors = []
    count = 0
    for key in ("podSelector", "namespaceSelector"):
        if peer.get(key) is not None:
            count += 1
            errs.extend(common.validate_label_selector(peer[key], f"{path}.{key}"))
    if peer.get("ipBlock") is not None:
        count += 1
        errs.extend(_ip_block(peer["ipBlock"], f"{path}.ipBlock"))
    if count == 0:
        errs.append(FieldError.required(path, "must specify a peer"))
    elif count > 1 and peer.get("ipBlock") is not None:
        errs.append(FieldError.forbidden(path, "may not specify both ipBlock and another peer"))
    return errs


def _spec(spec: Mapping[str, Any], path: str) -> Errors:
    errs = common.validate_label_selector(spec.get("podSelector") or {}, f"{path}.podSelector")
    for direction, peers in (("ingress", "from"), ("egress", "to")):
        for i, rule in enumerate(spec.get(direction) or ()):
            rp = f"{path}.{direction}[{i}]"
            for j, port in enumerate(rule.get("ports") or ()):
                errs.extend(_port(port, f"{rp}.ports[{j}]"))
            for j, peer in enumerate(rule.get(peers) or ()):
                errs.extend(_peer(peer, f"{rp}.{peers}[{j}]"))
    types = list(spec.get("policyTypes") or ())
    if len(types) > len(POLICY_TYPES):
        shown = GoValue("[]networking.PolicyType{" + ", ".join(f'"{t}"' for t in types) + "}")
        errs.append(FieldError.invalid(f"{path}.policyTypes", shown, "may not specify more than two policyTypes"))
        return errs
    for i, t in enumerate(types):
        if t not in POLICY_TYPES:
            errs.append(FieldError.not_supported(f"{path}.policyTypes[{i}]", t, POLICY_TYPES))
    return errs


def validate_network_policy(obj: Mapping[str, Any], old: Mapping[str, Any] | None) -> Errors:
    """ValidateNetworkPolicy (create) / ValidateNetworkPolicyUpdate: metadata, then the spec."""
    errs = common.object_meta(obj, old)
    errs.extend(_spec(obj.get("spec") or {}, "spec"))
    return errs
