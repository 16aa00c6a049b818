"""Structural schema of the served kinds, for strict decoding (unknown fields are rejected).

The schema is a compact nested description: a dict lists an object's fields, ``[x]`` is a list of
``x``, :data:`MAP` a map with free keys (labels, ``resources.requests``), :data:`ANY` anything
(raw extensions, rarely used structs we do not model field by field) and :data:`LEAF` a scalar.
:func:`unknown_fields` walks an object against it; :func:`strict_decoding_message` words the
API server's BadRequest (``StatefulSet in version "v1" cannot be handled as a StatefulSet: ...``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simk8s.api.errors import BadRequest
from simk8s.api.kinds import Kind

__all__ = [
    "ANY",
    "LEAF",
    "MAP",
    "SCHEMAS",
    "strict_decoding_error",
    "strict_decoding_message",
    "unknown_field_warnings",
    "unknown_fields",
]

LEAF = "leaf"
MAP = "map"
ANY = "any"


def _fields(names: str, **nested: Any) -> dict[str, Any]:
    """Scalar fields named in ``names`` (space-separated) plus the structured ones."""
    out: dict[str, Any] = {n: LEAF for n in names.split()}
    out.update(nested)
    return out


OBJECT_REFERENCE = _fields("kind namespace name uid apiVersion resourceVersion fieldPath")
OBJECT_META = _fields(
    "name generateName namespace selfLink uid resourceVersion generation creationTimestamp deletionTimestamp "
    "deletionGracePeriodSeconds",
    labels=MAP,
    annotations=MAP,
    finalizers=[LEAF],
    managedFields=[ANY],
    ownerReferences=[_fields("apiVersion kind name uid controller blockOwnerDeletion")],
)
LABEL_SELECTOR = {"matchLabels": MAP, "matchExpressions": [_fields("key operator", values=[LEAF])]}
NODE_SELECTOR_REQUIREMENT = _fields("key operator", values=[LEAF])
NODE_SELECTOR = {
    "nodeSelectorTerms": [
        {"matchExpressions": [NODE_SELECTOR_REQUIREMENT], "matchFields": [NODE_SELECTOR_REQUIREMENT]}
    ]
}
RESOURCES = {"limits": MAP, "requests": MAP, "claims": [ANY]}
PROBE = _fields(
    "initialDelaySeconds timeoutSeconds periodSeconds successThreshold failureThreshold "
    "terminationGracePeriodSeconds",
    exec={"command": [LEAF]},
    httpGet=_fields("path port host scheme", httpHeaders=[_fields("name value")]),
    tcpSocket=_fields("port host"),
    grpc=_fields("port service"),
)
CONTAINER = _fields(
    "name image workingDir restartPolicy terminationMessagePath terminationMessagePolicy imagePullPolicy "
    "stdin stdinOnce tty",
    command=[LEAF],
    args=[LEAF],
    ports=[_fields("name hostPort containerPort protocol hostIP")],
    envFrom=[ANY],
    env=[_fields("name value", valueFrom=ANY)],
    resources=RESOURCES,
    resizePolicy=[_fields("resourceName restartPolicy")],
    volumeMounts=[_fields("name readOnly recursiveReadOnly mountPath subPath mountPropagation subPathExpr")],
    volumeDevices=[_fields("name devicePath")],
    livenessProbe=PROBE,
    readinessProbe=PROBE,
    startupProbe=PROBE,
    lifecycle=ANY,
    securityContext=ANY,
)
KEY_TO_PATH = [_fields("key path mode")]
VOLUME = _fields(
    "name",
    persistentVolumeClaim=_fields("claimName readOnly"),
    emptyDir=_fields("medium sizeLimit"),
    hostPath=_fields("path type"),
    configMap=_fields("name defaultMode optional", items=KEY_TO_PATH),
    secret=_fields("secretName defaultMode optional", items=KEY_TO_PATH),
    projected=ANY,
    downwardAPI=ANY,
    nfs=_fields("server path readOnly"),
    csi=ANY,
    ephemeral=ANY,
    image=ANY,
    gcePersistentDisk=ANY,
    awsElasticBlockStore=ANY,
    gitRepo=ANY,
    iscsi=ANY,
    glusterfs=ANY,
    rbd=ANY,
    flexVolume=ANY,
    cinder=ANY,
    cephfs=ANY,
    flocker=ANY,
    fc=ANY,
    azureFile=ANY,
    vsphereVolume=ANY,
    quobyte=ANY,
    azureDisk=ANY,
    photonPersistentDisk=ANY,
    portworxVolume=ANY,
    scaleIO=ANY,
    storageos=ANY,
)
TOLERATION = _fields("key operator value effect tolerationSeconds")
POD_SPEC = _fields(
    "restartPolicy terminationGracePeriodSeconds activeDeadlineSeconds dnsPolicy serviceAccountName "
    "serviceAccount automountServiceAccountToken nodeName hostNetwork hostPID hostIPC shareProcessNamespace "
    "hostname subdomain schedulerName priorityClassName priority runtimeClassName enableServiceLinks "
    "preemptionPolicy setHostnameAsFQDN hostUsers",
    volumes=[VOLUME],
    initContainers=[CONTAINER],
    containers=[CONTAINER],
    ephemeralContainers=[ANY],
    nodeSelector=MAP,
    securityContext=ANY,
    imagePullSecrets=[_fields("name")],
    affinity=ANY,
    tolerations=[TOLERATION],
    hostAliases=[_fields("ip", hostnames=[LEAF])],
    dnsConfig={"nameservers": [LEAF], "searches": [LEAF], "options": [_fields("name value")]},
    readinessGates=[_fields("conditionType")],
    overhead=MAP,
    topologySpreadConstraints=[ANY],
    os=_fields("name"),
    schedulingGates=[_fields("name")],
    resourceClaims=[ANY],
    resources=RESOURCES,
)
POD_TEMPLATE = {"metadata": OBJECT_META, "spec": POD_SPEC}
TYPE_META = _fields("apiVersion kind")
PVC_SPEC = _fields(
    "volumeName storageClassName volumeMode volumeAttributesClassName",
    accessModes=[LEAF],
    selector=LABEL_SELECTOR,
    resources=RESOURCES,
    dataSource=_fields("apiGroup kind name"),
    dataSourceRef=_fields("apiGroup kind name namespace"),
)
PVC = {**TYPE_META, "metadata": OBJECT_META, "spec": PVC_SPEC, "status": ANY}


def _kind(spec: Any = None, **top: Any) -> dict[str, Any]:
    out: dict[str, Any] = {**TYPE_META, "metadata": OBJECT_META}
    if spec is not None:
        out["spec"] = spec
        out["status"] = ANY
    out.update(top)
    return out


ENDPOINT_ADDRESS = _fields("ip hostname nodeName", targetRef=OBJECT_REFERENCE)

SCHEMAS: dict[str, dict[str, Any]] = {
    "Pod": _kind(POD_SPEC),
    "StatefulSet": _kind(
        _fields(
            "replicas serviceName podManagementPolicy revisionHistoryLimit minReadySeconds",
            selector=LABEL_SELECTOR,
            template=POD_TEMPLATE,
            volumeClaimTemplates=[PVC],
            updateStrategy=_fields("type", rollingUpdate=_fields("partition maxUnavailable")),
            persistentVolumeClaimRetentionPolicy=_fields("whenDeleted whenScaled"),
            ordinals=_fields("start"),
        )
    ),
    "Deployment": _kind(
        _fields(
            "replicas minReadySeconds revisionHistoryLimit paused progressDeadlineSeconds",
            selector=LABEL_SELECTOR,
            template=POD_TEMPLATE,
            strategy=_fields("type", rollingUpdate=_fields("maxUnavailable maxSurge")),
        )
    ),
    "ReplicaSet": _kind(_fields("replicas minReadySeconds", selector=LABEL_SELECTOR, template=POD_TEMPLATE)),
    "ControllerRevision": _kind(data=ANY, revision=LEAF),
    "Service": _kind(
        _fields(
            "clusterIP type sessionAffinity loadBalancerIP externalName externalTrafficPolicy "
            "healthCheckNodePort "
            "publishNotReadyAddresses ipFamilyPolicy allocateLoadBalancerNodePorts loadBalancerClass "
            "internalTrafficPolicy trafficDistribution",
            ports=[_fields("name protocol appProtocol port targetPort nodePort")],
            selector=MAP,
            clusterIPs=[LEAF],
            externalIPs=[LEAF],
            loadBalancerSourceRanges=[LEAF],
            ipFamilies=[LEAF],
            sessionAffinityConfig=ANY,
        )
    ),
    "Endpoints": _kind(
        subsets=[
            {
                "addresses": [ENDPOINT_ADDRESS],
                "notReadyAddresses": [ENDPOINT_ADDRESS],
                "ports": [_fields("name port protocol appProtocol")],
            }
        ]
    ),
    "EndpointSlice": _kind(
        addressType=LEAF,
        endpoints=[
            _fields(
                "hostname nodeName zone",
                addresses=[LEAF],
                conditions=_fields("ready serving terminating"),
                targetRef=OBJECT_REFERENCE,
                deprecatedTopology=MAP,
                hints=ANY,
            )
        ],
        ports=[_fields("name protocol port appProtocol")],
    ),
    "PersistentVolumeClaim": _kind(PVC_SPEC),
    "PersistentVolume": _kind(
        _fields(
            "persistentVolumeReclaimPolicy storageClassName volumeMode volumeAttributesClassName",
            capacity=MAP,
            accessModes=[LEAF],
            claimRef=OBJECT_REFERENCE,
            mountOptions=[LEAF],
            nodeAffinity={"required": NODE_SELECTOR},
            hostPath=_fields("path type"),
            local=_fields("path fsType"),
            nfs=_fields("server path readOnly"),
            csi=ANY,
            gcePersistentDisk=ANY,
            awsElasticBlockStore=ANY,
            glusterfs=ANY,
            rbd=ANY,
            iscsi=ANY,
            cinder=ANY,
            cephfs=ANY,
            fc=ANY,
            flocker=ANY,
            flexVolume=ANY,
            azureFile=ANY,
            vsphereVolume=ANY,
            quobyte=ANY,
            azureDisk=ANY,
            photonPersistentDisk=ANY,
            portworxVolume=ANY,
            scaleIO=ANY,
            storageos=ANY,
        )
    ),
    "StorageClass": _kind(
        provisioner=LEAF,
        parameters=MAP,
        reclaimPolicy=LEAF,
        mountOptions=[LEAF],
        allowVolumeExpansion=LEAF,
        volumeBindingMode=LEAF,
        allowedTopologies=[ANY],
    ),
    "Namespace": _kind(_fields("", finalizers=[LEAF])),
    "Node": _kind(
        _fields(
            "podCIDR providerID unschedulable externalID",
            podCIDRs=[LEAF],
            taints=[_fields("key value effect timeAdded")],
            configSource=ANY,
        )
    ),
    "Event": _kind(
        involvedObject=OBJECT_REFERENCE,
        related=OBJECT_REFERENCE,
        source=_fields("component host"),
        series=ANY,
        **_fields(
            "reason message firstTimestamp lastTimestamp count type eventTime action "
            "reportingComponent reportingInstance"
        ),
    ),
}

_NETPOL_PEER = {"podSelector": LABEL_SELECTOR, "namespaceSelector": LABEL_SELECTOR,
                "ipBlock": _fields("cidr", **{"except": [LEAF]})}
_NETPOL_PORT = _fields("protocol port endPort")
POLICY_RULE = {"verbs": [LEAF], "apiGroups": [LEAF], "resources": [LEAF], "resourceNames": [LEAF],
               "nonResourceURLs": [LEAF]}
_BINDING = {"subjects": [_fields("kind apiGroup name namespace")], "roleRef": _fields("apiGroup kind name")}
SCHEMAS.update({
    "NetworkPolicy": _kind(_fields(
        "", podSelector=LABEL_SELECTOR, policyTypes=[LEAF],
        ingress=[{"from": [_NETPOL_PEER], "ports": [_NETPOL_PORT]}],
        egress=[{"to": [_NETPOL_PEER], "ports": [_NETPOL_PORT]}])),
    "ServiceAccount": _kind(secrets=[OBJECT_REFERENCE], imagePullSecrets=[_fields("name")],
                            automountServiceAccountToken=LEAF),
    "Role": _kind(rules=[POLICY_RULE]),
    "ClusterRole": _kind(rules=[POLICY_RULE], aggregationRule={"clusterRoleSelectors": [LABEL_SELECTOR]}),
    "RoleBinding": _kind(**_BINDING),
    "ClusterRoleBinding": _kind(**_BINDING),
})


def _walk(value: Any, schema: Any, path: str, out: list[str]) -> None:
    if schema is ANY or schema is LEAF or schema is MAP:
        return
    if isinstance(schema, list):
        if isinstance(value, list):
            for i, item in enumerate(value):
                _walk(item, schema[0], f"{path}[{i}]", out)
        return
    if not isinstance(value, Mapping):
        return
    for key, child in value.items():
        child_path = f"{path}.{key}" if path else str(key)
        if key not in schema:
            out.append(child_path)
        else:
            _walk(child, schema[key], child_path, out)


def unknown_fields(kind: Kind, obj: Mapping[str, Any]) -> list[str]:
    """Paths of fields the kind's schema does not know (``spec.replica``,
    ``spec.template.spec.containers[0].imagePullPolcy``), in document order."""
    schema = SCHEMAS.get(kind.kind)
    if schema is None:
        return []
    out: list[str] = []
    _walk(obj, schema, "", out)
    return out


def strict_decoding_message(kind: Kind, paths: list[str]) -> str:
    """The BadRequest message the API server gives for unknown fields under strict field validation."""
    fields = ", ".join(f'unknown field "{p}"' for p in paths)
    return (
        f'{kind.kind} in version "{kind.version}" cannot be handled as a {kind.kind}: '
        f"strict decoding error: {fields}"
    )


def unknown_field_warnings(paths: list[str]) -> list[str]:
    """The warnings a server sends under ``fieldValidation=Warn`` (kubectl prints ``Warning: <w>``)."""
    return [f'unknown field "{p}"' for p in paths]


def strict_decoding_error(kind: Kind, obj: Mapping[str, Any]) -> BadRequest | None:
    """The BadRequest a create/update of ``obj`` fails with under strict validation, or None."""
    paths = unknown_fields(kind, obj)
    return BadRequest(strict_decoding_message(kind, paths)) if paths else None
