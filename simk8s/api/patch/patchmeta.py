"""Patch metadata of the built-in types: their ``patchStrategy`` / ``patchMergeKey`` struct tags.

A schema maps a field name to its :class:`Field`; :func:`kind_schema` gives a kind's top level and
:func:`lookup_field` a field with the schema of its (element) type. Kinds without built-in metadata
(custom resources) have only ``metadata``: their maps merge and their lists are replaced.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["Field", "kind_schema", "lookup_field"]


@dataclass(frozen=True)
class Field:
    sub: str | None = None  # name of the (element) type in _TYPES
    merge: bool = False  # patchStrategy includes "merge"
    key: str | None = None  # patchMergeKey (None for merged primitive lists)
    retain: bool = False  # patchStrategy includes "retainKeys"


_TYPES: dict[str, dict[str, Field]] = {
    "ObjectMeta": {
        "finalizers": Field(merge=True),
        "ownerReferences": Field(merge=True, key="uid"),
    },
    "PodTemplateSpec": {"metadata": Field("ObjectMeta"), "spec": Field("PodSpec")},
    "PodSpec": {
        "volumes": Field(merge=True, key="name", retain=True),
        "initContainers": Field("Container", True, "name"),
        "containers": Field("Container", True, "name"),
        "ephemeralContainers": Field("Container", True, "name"),
        "imagePullSecrets": Field(merge=True, key="name"),
        "hostAliases": Field(merge=True, key="ip"),
        "topologySpreadConstraints": Field(merge=True, key="topologyKey"),
        "resourceClaims": Field(merge=True, key="name", retain=True),
        "schedulingGates": Field(merge=True, key="name"),
        # tolerations, readinessGates and everything under affinity are atomic lists.
    },
    "Container": {
        "ports": Field(merge=True, key="containerPort"),
        "env": Field(merge=True, key="name"),
        "volumeMounts": Field(merge=True, key="mountPath"),
        "volumeDevices": Field(merge=True, key="devicePath"),
    },
    "PodStatus": {
        "conditions": Field(merge=True, key="type"),
        "podIPs": Field(merge=True, key="ip"),
        "hostIPs": Field(merge=True, key="ip"),
    },
    "Conditions": {"conditions": Field(merge=True, key="type")},
    "WorkloadSpec": {"template": Field("PodTemplateSpec")},  # volumeClaimTemplates: atomic
    "DeploymentSpec": {"template": Field("PodTemplateSpec"), "strategy": Field(retain=True)},
    "ServiceSpec": {"ports": Field(merge=True, key="port")},
    "NodeSpec": {"podCIDRs": Field(merge=True)},
    "NodeStatus": {"conditions": Field(merge=True, key="type"), "addresses": Field(merge=True, key="type")},
}


def _kind_type(spec: str | None = None, status: str | None = None) -> dict[str, Field]:
    fields = {"metadata": Field("ObjectMeta")}
    if spec:
        fields["spec"] = Field(spec)
    if status:
        fields["status"] = Field(status)
    return fields


_KIND_TYPES: dict[str, dict[str, Field]] = {
    "Pod": _kind_type("PodSpec", "PodStatus"),
    "PodTemplate": {"metadata": Field("ObjectMeta"), "template": Field("PodTemplateSpec")},
    "StatefulSet": _kind_type("WorkloadSpec", "Conditions"),
    "Deployment": _kind_type("DeploymentSpec", "Conditions"),
    "ReplicaSet": _kind_type("WorkloadSpec", "Conditions"),
    "Service": _kind_type("ServiceSpec", "Conditions"),
    "Node": _kind_type("NodeSpec", "NodeStatus"),
    "PersistentVolumeClaim": _kind_type(None, "Conditions"),
    "Namespace": _kind_type(None, "Conditions"),
}
_NO_FIELDS: dict[str, Field] = {}
_DEFAULT_KIND = {"metadata": Field("ObjectMeta")}


def kind_schema(kind_name: str) -> dict[str, Field]:
    return _KIND_TYPES.get(kind_name, _DEFAULT_KIND)


def lookup_field(schema: Mapping[str, Field], key: str) -> tuple[Field, dict[str, Field]]:
    field = schema.get(key, Field())
    return field, (_TYPES[field.sub] if field.sub else _NO_FIELDS)
