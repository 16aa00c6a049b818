"""Validation of API objects as the API server does it, with its exact error texts.

Entry point: :func:`validate` returns the list of :class:`~simk8s.api.errors.FieldError` for an
object about to be created (``old is None``) or updated; an empty list means valid. Objects are
expected to be defaulted already (:func:`simk8s.api.defaults.apply_defaults`), as on the server.

One module per area: :mod:`.common` (ObjectMeta, labels, selectors), :mod:`.pod`, :mod:`.apps`,
:mod:`.service`, :mod:`.storage`, :mod:`.cluster`, :mod:`.networking`, :mod:`.rbac`,
:mod:`.config` (ConfigMaps, Secrets, Leases), :mod:`.apiextensions` (CustomResourceDefinitions
and custom resources). The string checks they share with the selectors
are :mod:`simk8s.api.names`, below both.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from simk8s.api.crd.definition import CustomKind
from simk8s.api.errors import FieldError
from simk8s.api.kinds import Kind
from simk8s.api.validation import (
    apiextensions,
    apps,
    cluster,
    common,
    config,
    networking,
    pod,
    rbac,
    service,
    storage,
)

__all__ = ["validate"]

Validator = Callable[[Mapping[str, Any], Mapping[str, Any] | None], list[FieldError]]


@cache
def _validators() -> dict[str, Validator]:
    def pod_validator(obj: Mapping[str, Any], old: Mapping[str, Any] | None) -> list[FieldError]:
        return pod.validate_pod(obj) if old is None else pod.validate_pod_update(obj, old)

    return {
        "Pod": pod_validator,
        "StatefulSet": apps.validate_stateful_set,
        "Deployment": apps.validate_deployment,
        "ReplicaSet": apps.validate_replica_set,
        "ControllerRevision": apps.validate_controller_revision,
        "Service": service.validate_service,
        "Endpoints": service.validate_endpoints,
        "EndpointSlice": service.validate_endpoint_slice,
        "PersistentVolumeClaim": storage.validate_pvc,
        "PersistentVolume": storage.validate_pv,
        "StorageClass": storage.validate_storage_class,
        "Namespace": cluster.validate_namespace,
        "Node": cluster.validate_node,
        "Event": cluster.validate_event,
        "NetworkPolicy": networking.validate_network_policy,
        "ServiceAccount": rbac.validate_service_account,
        "Role": rbac.validate_role,
        "ClusterRole": rbac.validate_cluster_role,
        "RoleBinding": lambda o, old: rbac.validate_binding(o, old, namespaced=True),
        "ClusterRoleBinding": lambda o, old: rbac.validate_binding(o, old, namespaced=False),
        "ConfigMap": config.validate_config_map,
        "Secret": config.validate_secret,
        "Lease": config.validate_lease,
        "CustomResourceDefinition": apiextensions.validate_crd,
    }


def validate(kind: Kind, obj: Mapping[str, Any], old: Mapping[str, Any] | None = None) -> list[FieldError]:
    """All field errors of ``obj`` (an update when ``old`` is given), in the API server's order."""
    if isinstance(kind, CustomKind):
        return apiextensions.validate_custom(kind, obj, old)
    validator = _validators().get(kind.kind)
    if validator is None:
        return common.object_meta(obj, old, kind.namespaced)
    return validator(obj, old)
