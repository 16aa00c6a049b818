"""The typed schema of the served kinds: every field's Go type, as the API server decodes it.

Each kind is a :class:`Struct` of fields in Go struct order. A field's type is one of:

* :class:`Scalar`: a Go primitive (``string``, ``int32``, ``int64``, ``bool``, ``float64``), with the
  Go name of its named type when it has one (``v1.PullPolicy``), its enum values and ``minimum``
  (for the OpenAPI documents; the API server checks enums and ranges in validation, with its own
  messages, see :mod:`simk8s.api.validation`);
* :class:`Struct`, :class:`ListOf`, :class:`MapOf`;
* :data:`QUANTITY`, :data:`INT_OR_STRING`, :data:`TIME`: types with their own JSON decoding;
* :data:`ANY`: raw extensions and structs simk8s does not model field by field (kept as given).

:mod:`simk8s.api.decode` decodes objects against these types with the API server's messages;
:mod:`simk8s.api.openapi` turns them into OpenAPI v2/v3 schemas. This module also keeps the
strict-decoding helpers (unknown fields) the store uses.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from simk8s.api.errors import BadRequest
from simk8s.api.kinds import Kind

__all__ = [
    "ANY",
    "INT_OR_STRING",
    "QUANTITY",
    "SCHEMAS",
    "TIME",
    "ListOf",
    "MapOf",
    "Scalar",
    "Special",
    "Struct",
    "Type",
    "schema_of",
    "strict_decoding_error",
    "strict_decoding_message",
    "unknown_field_warnings",
    "unknown_fields",
]


@dataclass(frozen=True)
class Scalar:
    """A Go primitive: ``kind`` is string/int32/int64/bool/float64; ``go`` its (named) type."""

    kind: str
    go: str = ""
    enum: tuple[str, ...] = ()
    minimum: int | None = None

    @property
    def go_type(self) -> str:
        return self.go or self.kind


@dataclass(frozen=True)
class Special:
    """A type with its own JSON decoding (resource.Quantity, intstr.IntOrString, metav1.Time) or
    none at all (``any``: runtime.RawExtension and the structs kept as given)."""

    name: str
    go: str


@dataclass(frozen=True)
class ListOf:
    item: Type
    go: str = ""

    @property
    def go_type(self) -> str:
        return self.go or f"[]{go_type(self.item)}"


@dataclass(frozen=True)
class MapOf:
    value: Type
    go: str = ""

    @property
    def go_type(self) -> str:
        return self.go or f"map[string]{go_type(self.value)}"


@dataclass(frozen=True)
class Struct:
    """A Go struct: ``go`` is ``v1.ObjectMeta``; ``fields`` in Go struct order; ``required`` as
    the upstream OpenAPI documents list them."""

    go: str
    fields: Mapping[str, Type] = field(default_factory=dict)
    required: tuple[str, ...] = ()

    @property
    def go_type(self) -> str:
        return self.go

    @property
    def short(self) -> str:
        """The struct's name without its package (``ObjectMeta``), as decoding errors name it."""
        return self.go.rsplit(".", 1)[-1]


Type = Scalar | Special | ListOf | MapOf | Struct


def go_type(t: Type) -> str:
    """The Go type as ``json: cannot unmarshal ... of type X`` names it."""
    return t.go if isinstance(t, Special) else t.go_type


STRING = Scalar("string")
INT32 = Scalar("int32")
INT64 = Scalar("int64")
BOOL = Scalar("bool")
QUANTITY = Special("quantity", "resource.Quantity")
INT_OR_STRING = Special("int-or-string", "intstr.IntOrString")
TIME = Special("time", "v1.Time")
ANY = Special("any", "interface {}")
STRINGS = ListOf(STRING)
STRING_MAP = MapOf(STRING)
RESOURCE_LIST = MapOf(QUANTITY, "v1.ResourceList")
UID = Scalar("string", "types.UID")


def _enum(go: str, *values: str) -> Scalar:
    return Scalar("string", go, tuple(values))


def _struct(go: str, required: tuple[str, ...] = (), **fields: Type) -> Struct:
    return Struct(go, fields, required)


NONNEG32 = Scalar("int32", minimum=0)
PROTOCOL = _enum("v1.Protocol", "SCTP", "TCP", "UDP")
ACCESS_MODE = _enum("v1.PersistentVolumeAccessMode", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce",
                    "ReadWriteOncePod")
VOLUME_MODE = _enum("v1.PersistentVolumeMode", "Block", "Filesystem")
RECLAIM_POLICY = _enum("v1.PersistentVolumeReclaimPolicy", "Delete", "Recycle", "Retain")
TAINT_EFFECT = _enum("v1.TaintEffect", "NoExecute", "NoSchedule", "PreferNoSchedule")

# ------------------------------------------------------------------------------- metadata
OWNER_REFERENCE = _struct(
    "v1.OwnerReference", ("apiVersion", "kind", "name", "uid"),
    apiVersion=STRING, kind=STRING, name=STRING, uid=UID, controller=BOOL, blockOwnerDeletion=BOOL)
OBJECT_META = _struct(
    "v1.ObjectMeta",
    name=STRING, generateName=STRING, namespace=STRING, selfLink=STRING, uid=UID, resourceVersion=STRING,
    generation=INT64, creationTimestamp=TIME, deletionTimestamp=TIME, deletionGracePeriodSeconds=INT64,
    labels=STRING_MAP, annotations=STRING_MAP, ownerReferences=ListOf(OWNER_REFERENCE), finalizers=STRINGS,
    managedFields=ListOf(ANY))
OBJECT_REFERENCE = _struct(
    "v1.ObjectReference",
    kind=STRING, namespace=STRING, name=STRING, uid=UID, apiVersion=STRING, resourceVersion=STRING,
    fieldPath=STRING)
LOCAL_OBJECT_REFERENCE = _struct("v1.LocalObjectReference", name=STRING)
LABEL_SELECTOR = _struct(
    "v1.LabelSelector",
    matchLabels=STRING_MAP,
    matchExpressions=ListOf(_struct(
        "v1.LabelSelectorRequirement", ("key", "operator"),
        key=STRING, operator=_enum("v1.LabelSelectorOperator", "DoesNotExist", "Exists", "In", "NotIn"),
        values=STRINGS)))
NODE_SELECTOR_REQUIREMENT = _struct(
    "v1.NodeSelectorRequirement", ("key", "operator"),
    key=STRING, operator=_enum("v1.NodeSelectorOperator", "DoesNotExist", "Exists", "Gt", "In", "Lt", "NotIn"),
    values=STRINGS)
NODE_SELECTOR = _struct(
    "v1.NodeSelector", ("nodeSelectorTerms",),
    nodeSelectorTerms=ListOf(_struct("v1.NodeSelectorTerm", matchExpressions=ListOf(NODE_SELECTOR_REQUIREMENT),
                                     matchFields=ListOf(NODE_SELECTOR_REQUIREMENT))))

# ------------------------------------------------------------------------------ containers
PROBE = _struct(
    "v1.Probe",
    exec=_struct("v1.ExecAction", command=STRINGS),
    httpGet=_struct("v1.HTTPGetAction", ("port",),
                    path=STRING, port=INT_OR_STRING, host=STRING, scheme=_enum("v1.URIScheme", "HTTP", "HTTPS"),
                    httpHeaders=ListOf(_struct("v1.HTTPHeader", ("name", "value"), name=STRING, value=STRING))),
    tcpSocket=_struct("v1.TCPSocketAction", ("port",), port=INT_OR_STRING, host=STRING),
    grpc=_struct("v1.GRPCAction", ("port",), port=INT32, service=STRING),
    initialDelaySeconds=INT32, timeoutSeconds=INT32, periodSeconds=INT32, successThreshold=INT32,
    failureThreshold=INT32, terminationGracePeriodSeconds=INT64)
RESOURCE_REQUIREMENTS = _struct("v1.ResourceRequirements", limits=RESOURCE_LIST, requests=RESOURCE_LIST,
                                claims=ListOf(ANY))
CONTAINER_PORT = _struct(
    "v1.ContainerPort", ("containerPort",),
    name=STRING, hostPort=INT32, containerPort=INT32, protocol=PROTOCOL, hostIP=STRING)
CONTAINER = _struct(
    "v1.Container", ("name",),
    name=STRING, image=STRING, command=STRINGS, args=STRINGS, workingDir=STRING,
    ports=ListOf(CONTAINER_PORT), envFrom=ListOf(ANY),
    env=ListOf(_struct("v1.EnvVar", ("name",), name=STRING, value=STRING, valueFrom=ANY)),
    resources=RESOURCE_REQUIREMENTS,
    resizePolicy=ListOf(_struct("v1.ContainerResizePolicy", ("resourceName", "restartPolicy"),
                                resourceName=STRING, restartPolicy=STRING)),
    restartPolicy=_enum("v1.ContainerRestartPolicy", "Always"),
    volumeMounts=ListOf(_struct(
        "v1.VolumeMount", ("name", "mountPath"),
        name=STRING, readOnly=BOOL, recursiveReadOnly=STRING, mountPath=STRING, subPath=STRING,
        mountPropagation=STRING, subPathExpr=STRING)),
    volumeDevices=ListOf(_struct("v1.VolumeDevice", ("name", "devicePath"), name=STRING, devicePath=STRING)),
    livenessProbe=PROBE, readinessProbe=PROBE, startupProbe=PROBE, lifecycle=ANY,
    terminationMessagePath=STRING,
    terminationMessagePolicy=_enum("v1.TerminationMessagePolicy", "FallbackToLogsOnError", "File"),
    imagePullPolicy=_enum("v1.PullPolicy", "Always", "IfNotPresent", "Never"),
    securityContext=ANY, stdin=BOOL, stdinOnce=BOOL, tty=BOOL)

# --------------------------------------------------------------------------------- volumes
KEY_TO_PATH = ListOf(_struct("v1.KeyToPath", ("key", "path"), key=STRING, path=STRING, mode=INT32))
HOST_PATH = _struct("v1.HostPathVolumeSource", ("path",), path=STRING, type=Scalar("string", "v1.HostPathType"))
NFS = _struct("v1.NFSVolumeSource", ("server", "path"), server=STRING, path=STRING, readOnly=BOOL)
_OTHER_SOURCES = ["gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "iscsi", "glusterfs", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "downwardAPI", "fc", "azureFile", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "projected", "portworxVolume", "scaleIO", "storageos", "csi", "ephemeral", "image"]
VOLUME = Struct("v1.Volume", {
    "name": STRING,
    "hostPath": HOST_PATH,
    "emptyDir": _struct("v1.EmptyDirVolumeSource", medium=Scalar("string", "v1.StorageMedium"), sizeLimit=QUANTITY),
    "secret": _struct("v1.SecretVolumeSource", secretName=STRING, items=KEY_TO_PATH, defaultMode=INT32,
                      optional=BOOL),
    "nfs": NFS,
    "persistentVolumeClaim": _struct("v1.PersistentVolumeClaimVolumeSource", ("claimName",),
                                     claimName=STRING, readOnly=BOOL),
    "configMap": _struct("v1.ConfigMapVolumeSource", name=STRING, items=KEY_TO_PATH, defaultMode=INT32,
                         optional=BOOL),
    **{name: ANY for name in _OTHER_SOURCES},
}, ("name",))

# ------------------------------------------------------------------------------------ pods
POD_SPEC = _struct(
    "v1.PodSpec", ("containers",),
    volumes=ListOf(VOLUME), initContainers=ListOf(CONTAINER), containers=ListOf(CONTAINER),
    ephemeralContainers=ListOf(ANY),
    restartPolicy=_enum("v1.RestartPolicy", "Always", "Never", "OnFailure"),
    terminationGracePeriodSeconds=INT64, activeDeadlineSeconds=INT64,
    dnsPolicy=_enum("v1.DNSPolicy", "ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"),
    nodeSelector=STRING_MAP, serviceAccountName=STRING, serviceAccount=STRING,
    automountServiceAccountToken=BOOL, nodeName=STRING, hostNetwork=BOOL, hostPID=BOOL, hostIPC=BOOL,
    shareProcessNamespace=BOOL, securityContext=ANY, imagePullSecrets=ListOf(LOCAL_OBJECT_REFERENCE),
    hostname=STRING, subdomain=STRING, affinity=ANY, schedulerName=STRING,
    tolerations=ListOf(_struct(
        "v1.Toleration",
        key=STRING, operator=_enum("v1.TolerationOperator", "Equal", "Exists"), value=STRING,
        effect=TAINT_EFFECT, tolerationSeconds=INT64)),
    hostAliases=ListOf(_struct("v1.HostAlias", ("ip",), ip=STRING, hostnames=STRINGS)),
    priorityClassName=STRING, priority=INT32,
    dnsConfig=_struct("v1.PodDNSConfig", nameservers=STRINGS, searches=STRINGS,
                      options=ListOf(_struct("v1.PodDNSConfigOption", name=STRING, value=STRING))),
    readinessGates=ListOf(_struct("v1.PodReadinessGate", ("conditionType",),
                                  conditionType=Scalar("string", "v1.PodConditionType"))),
    runtimeClassName=STRING, enableServiceLinks=BOOL,
    preemptionPolicy=_enum("v1.PreemptionPolicy", "Never", "PreemptLowerPriority"),
    overhead=RESOURCE_LIST, topologySpreadConstraints=ListOf(ANY), setHostnameAsFQDN=BOOL,
    os=_struct("v1.PodOS", ("name",), name=Scalar("string", "v1.OSName")), hostUsers=BOOL,
    schedulingGates=ListOf(_struct("v1.PodSchedulingGate", ("name",), name=STRING)),
    resourceClaims=ListOf(ANY), resources=RESOURCE_REQUIREMENTS)
POD_TEMPLATE = _struct("v1.PodTemplateSpec", metadata=OBJECT_META, spec=POD_SPEC)

# ---------------------------------------------------------------------------------- claims
PVC_SPEC = _struct(
    "v1.PersistentVolumeClaimSpec",
    accessModes=ListOf(ACCESS_MODE), selector=LABEL_SELECTOR,
    resources=_struct("v1.VolumeResourceRequirements", limits=RESOURCE_LIST, requests=RESOURCE_LIST),
    volumeName=STRING, storageClassName=STRING, volumeMode=VOLUME_MODE,
    dataSource=_struct("v1.TypedLocalObjectReference", ("kind", "name"), apiGroup=STRING, kind=STRING, name=STRING),
    dataSourceRef=_struct("v1.TypedObjectReference", ("kind", "name"), apiGroup=STRING, kind=STRING, name=STRING,
                          namespace=STRING),
    volumeAttributesClassName=STRING)


def _kind(go: str, spec: Type | None = None, required: tuple[str, ...] = (), **top: Type) -> Struct:
    """A top-level kind: TypeMeta (inline), metadata, then ``spec`` and ``status`` or the kind's
    own top-level fields."""
    fields: dict[str, Type] = {"kind": STRING, "apiVersion": STRING, "metadata": OBJECT_META}
    if spec is not None:
        fields["spec"] = spec
        fields["status"] = ANY
    fields.update(top)
    return Struct(go, fields, required)


PVC = _kind("v1.PersistentVolumeClaim", PVC_SPEC)
STS_SPEC = _struct(
    "v1.StatefulSetSpec", ("selector", "template"),
    replicas=NONNEG32, selector=LABEL_SELECTOR, template=POD_TEMPLATE, volumeClaimTemplates=ListOf(PVC),
    serviceName=STRING,
    podManagementPolicy=_enum("v1.PodManagementPolicyType", "OrderedReady", "Parallel"),
    updateStrategy=_struct(
        "v1.StatefulSetUpdateStrategy",
        type=_enum("v1.StatefulSetUpdateStrategyType", "OnDelete", "RollingUpdate"),
        rollingUpdate=_struct("v1.RollingUpdateStatefulSetStrategy", partition=NONNEG32,
                              maxUnavailable=INT_OR_STRING)),
    revisionHistoryLimit=INT32, minReadySeconds=NONNEG32,
    persistentVolumeClaimRetentionPolicy=_struct(
        "v1.StatefulSetPersistentVolumeClaimRetentionPolicy",
        whenDeleted=_enum("v1.PersistentVolumeClaimRetentionPolicyType", "Delete", "Retain"),
        whenScaled=_enum("v1.PersistentVolumeClaimRetentionPolicyType", "Delete", "Retain")),
    ordinals=_struct("v1.StatefulSetOrdinals", start=NONNEG32))
DEPLOYMENT_SPEC = _struct(
    "v1.DeploymentSpec", ("selector", "template"),
    replicas=NONNEG32, selector=LABEL_SELECTOR, template=POD_TEMPLATE,
    strategy=_struct("v1.DeploymentStrategy",
                     type=_enum("v1.DeploymentStrategyType", "Recreate", "RollingUpdate"),
                     rollingUpdate=_struct("v1.RollingUpdateDeployment", maxUnavailable=INT_OR_STRING,
                                           maxSurge=INT_OR_STRING)),
    minReadySeconds=NONNEG32, revisionHistoryLimit=INT32, paused=BOOL, progressDeadlineSeconds=INT32)
REPLICA_SET_SPEC = _struct("v1.ReplicaSetSpec", ("selector",),
                           replicas=NONNEG32, minReadySeconds=NONNEG32, selector=LABEL_SELECTOR,
                           template=POD_TEMPLATE)
SERVICE_SPEC = _struct(
    "v1.ServiceSpec",
    ports=ListOf(_struct("v1.ServicePort", ("port",),
                         name=STRING, protocol=PROTOCOL, appProtocol=STRING, port=INT32, targetPort=INT_OR_STRING,
                         nodePort=INT32)),
    selector=STRING_MAP, clusterIP=STRING, clusterIPs=STRINGS,
    type=_enum("v1.ServiceType", "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"),
    externalIPs=STRINGS, sessionAffinity=_enum("v1.ServiceAffinity", "ClientIP", "None"),
    loadBalancerIP=STRING, loadBalancerSourceRanges=STRINGS, externalName=STRING,
    externalTrafficPolicy=_enum("v1.ServiceExternalTrafficPolicy", "Cluster", "Local"),
    healthCheckNodePort=INT32, publishNotReadyAddresses=BOOL, sessionAffinityConfig=ANY,
    ipFamilies=ListOf(_enum("v1.IPFamily", "IPv4", "IPv6")),
    ipFamilyPolicy=_enum("v1.IPFamilyPolicy", "PreferDualStack", "RequireDualStack", "SingleStack"),
    allocateLoadBalancerNodePorts=BOOL, loadBalancerClass=STRING,
    internalTrafficPolicy=_enum("v1.ServiceInternalTrafficPolicy", "Cluster", "Local"),
    trafficDistribution=STRING)
ENDPOINT_ADDRESS = _struct("v1.EndpointAddress", ("ip",), ip=STRING, hostname=STRING, nodeName=STRING,
                           targetRef=OBJECT_REFERENCE)
PV_SPEC = Struct("v1.PersistentVolumeSpec", {
    "capacity": RESOURCE_LIST,
    "hostPath": HOST_PATH,
    "nfs": NFS,
    "local": _struct("v1.LocalVolumeSource", ("path",), path=STRING, fsType=STRING),
    **{name: ANY for name in ["gcePersistentDisk", "awsElasticBlockStore", "glusterfs", "rbd", "iscsi", "cinder", "cephfs", "fc", "flocker", "flexVolume", "azureFile", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "portworxVolume", "scaleIO", "storageos", "csi"]},
    "accessModes": ListOf(ACCESS_MODE),
    "claimRef": OBJECT_REFERENCE,
    "persistentVolumeReclaimPolicy": RECLAIM_POLICY,
    "storageClassName": STRING,
    "mountOptions": STRINGS,
    "volumeMode": VOLUME_MODE,
    "nodeAffinity": Struct("v1.VolumeNodeAffinity", {"required": NODE_SELECTOR}),
    "volumeAttributesClassName": STRING,
})

SCHEMAS: dict[str, Struct] = {
    "Pod": _kind("v1.Pod", POD_SPEC),
    "StatefulSet": _kind("v1.StatefulSet", STS_SPEC),
    "Deployment": _kind("v1.Deployment", DEPLOYMENT_SPEC),
    "ReplicaSet": _kind("v1.ReplicaSet", REPLICA_SET_SPEC),
    "ControllerRevision": _kind("v1.ControllerRevision", None, ("revision",), data=ANY, revision=INT64),
    "Service": _kind("v1.Service", SERVICE_SPEC),
    "Endpoints": _kind("v1.Endpoints", None, (), subsets=ListOf(_struct(
        "v1.EndpointSubset",
        addresses=ListOf(ENDPOINT_ADDRESS), notReadyAddresses=ListOf(ENDPOINT_ADDRESS),
        ports=ListOf(_struct("v1.EndpointPort", ("port",), name=STRING, port=INT32, protocol=PROTOCOL,
                             appProtocol=STRING))))),
    "EndpointSlice": _kind(
        "v1.EndpointSlice", None, ("addressType", "endpoints"),
        addressType=_enum("v1.AddressType", "FQDN", "IPv4", "IPv6"),
        endpoints=ListOf(_struct(
            "v1.Endpoint", ("addresses",),
            addresses=STRINGS,
            conditions=_struct("v1.EndpointConditions", ready=BOOL, serving=BOOL, terminating=BOOL),
            hostname=STRING, targetRef=OBJECT_REFERENCE, deprecatedTopology=STRING_MAP, nodeName=STRING,
            zone=STRING, hints=ANY)),
        ports=ListOf(_struct("v1.EndpointPort", name=STRING, protocol=PROTOCOL, port=INT32, appProtocol=STRING))),
    "PersistentVolumeClaim": PVC,
    "PersistentVolume": _kind("v1.PersistentVolume", PV_SPEC),
    "StorageClass": _kind(
        "v1.StorageClass", None, ("provisioner",),
        provisioner=STRING, parameters=STRING_MAP, reclaimPolicy=RECLAIM_POLICY, mountOptions=STRINGS,
        allowVolumeExpansion=BOOL,
        volumeBindingMode=_enum("v1.VolumeBindingMode", "Immediate", "WaitForFirstConsumer"),
        allowedTopologies=ListOf(ANY)),
    "Namespace": _kind("v1.Namespace", _struct("v1.NamespaceSpec",
                                               finalizers=ListOf(Scalar("string", "v1.FinalizerName")))),
    "Node": _kind("v1.Node", _struct(
        "v1.NodeSpec",
        podCIDR=STRING, podCIDRs=STRINGS, providerID=STRING, unschedulable=BOOL,
        taints=ListOf(_struct("v1.Taint", ("key", "effect"), key=STRING, value=STRING, effect=TAINT_EFFECT,
                              timeAdded=TIME)),
        configSource=ANY, externalID=STRING)),
    "Event": _kind(
        "v1.Event", None, ("metadata", "involvedObject"),
        involvedObject=OBJECT_REFERENCE, reason=STRING, message=STRING,
        source=_struct("v1.EventSource", component=STRING, host=STRING),
        firstTimestamp=TIME, lastTimestamp=TIME, count=INT32, type=STRING,
        eventTime=Special("time", "v1.MicroTime"), series=ANY, action=STRING, related=OBJECT_REFERENCE,
        reportingComponent=STRING, reportingInstance=STRING),
}

_NETPOL_PEER = ListOf(_struct(
    "v1.NetworkPolicyPeer",
    podSelector=LABEL_SELECTOR, namespaceSelector=LABEL_SELECTOR,
    ipBlock=Struct("v1.IPBlock", {"cidr": STRING, "except": STRINGS}, ("cidr",))))
_NETPOL_PORTS = ListOf(_struct("v1.NetworkPolicyPort", protocol=PROTOCOL, port=INT_OR_STRING, endPort=INT32))
_POLICY_RULE = ListOf(_struct("v1.PolicyRule", ("verbs",), verbs=STRINGS, apiGroups=STRINGS, resources=STRINGS,
                              resourceNames=STRINGS, nonResourceURLs=STRINGS))
_BINDING: dict[str, Type] = {
    "subjects": ListOf(_struct("v1.Subject", ("kind", "name"), kind=STRING, apiGroup=STRING, name=STRING,
                               namespace=STRING)),
    "roleRef": _struct("v1.RoleRef", ("apiGroup", "kind", "name"), apiGroup=STRING, kind=STRING, name=STRING),
}
SCHEMAS.update({
    "NetworkPolicy": _kind("v1.NetworkPolicy", _struct(
        "v1.NetworkPolicySpec",
        podSelector=LABEL_SELECTOR,
        ingress=ListOf(Struct("v1.NetworkPolicyIngressRule", {"ports": _NETPOL_PORTS, "from": _NETPOL_PEER})),
        egress=ListOf(_struct("v1.NetworkPolicyEgressRule", ports=_NETPOL_PORTS, to=_NETPOL_PEER)),
        policyTypes=ListOf(_enum("v1.PolicyType", "Egress", "Ingress")))),
    "ServiceAccount": _kind("v1.ServiceAccount", None, (), secrets=ListOf(OBJECT_REFERENCE),
                            imagePullSecrets=ListOf(LOCAL_OBJECT_REFERENCE), automountServiceAccountToken=BOOL),
    "Role": _kind("v1.Role", None, (), rules=_POLICY_RULE),
    "ClusterRole": _kind("v1.ClusterRole", None, (), rules=_POLICY_RULE,
                         aggregationRule=_struct("v1.AggregationRule", clusterRoleSelectors=ListOf(LABEL_SELECTOR))),
    "RoleBinding": _kind("v1.RoleBinding", None, ("roleRef",), **_BINDING),
    "ClusterRoleBinding": _kind("v1.ClusterRoleBinding", None, ("roleRef",), **_BINDING),
})
_BYTES = Scalar("string", "[]uint8")   # base64 in JSON
_MICRO_TIME = Special("time", "v1.MicroTime")
SCHEMAS.update({
    "ConfigMap": _kind("v1.ConfigMap", None, (), immutable=BOOL, data=STRING_MAP, binaryData=MapOf(_BYTES)),
    "Secret": _kind("v1.Secret", None, (), immutable=BOOL, data=MapOf(_BYTES), stringData=STRING_MAP,
                    type=Scalar("string", "v1.SecretType")),
    "Lease": Struct("v1.Lease", {"kind": STRING, "apiVersion": STRING, "metadata": OBJECT_META, "spec": _struct(
        "v1.LeaseSpec", holderIdentity=STRING, leaseDurationSeconds=INT32, acquireTime=_MICRO_TIME,
        renewTime=_MICRO_TIME, leaseTransitions=INT32, strategy=STRING, preferredHolder=STRING)}),
})


def schema_of(kind: Kind | str) -> Struct | None:
    """The typed schema of a kind (``schema_of("StatefulSet")``), None for a kind without one."""
    return SCHEMAS.get(kind if isinstance(kind, str) else kind.kind)


# --------------------------------------------------------------------------- unknown fields


def _walk(value: Any, t: Type, out: list[str]) -> None:
    """Unknown field paths under ``value`` in document order, without recursion (documents may be
    deep): a stack of iterators over ``(value, type or None when unknown, path)``."""
    stack: list[Iterator[tuple[Any, Type | None, str]]] = [iter([(value, t, "")])]
    while stack:
        try:
            value, typ, path = next(stack[-1])
        except StopIteration:
            stack.pop()
            continue
        if typ is None:
            out.append(path)
        elif isinstance(typ, ListOf) and isinstance(value, list):
            stack.append(_items(value, typ.item, path))
        elif isinstance(typ, Struct) and isinstance(value, Mapping):
            stack.append(_members(value, typ, path))


def _items(value: list[Any], item: Type, path: str) -> Iterator[tuple[Any, Type | None, str]]:
    for i, v in enumerate(value):
        yield v, item, f"{path}[{i}]"


def _members(value: Mapping[str, Any], t: Struct, path: str) -> Iterator[tuple[Any, Type | None, str]]:
    for k, v in value.items():
        yield v, t.fields.get(k), f"{path}.{k}" if path else str(k)


def unknown_fields(kind: Kind, obj: Mapping[str, Any]) -> list[str]:
    """Paths of fields the kind's schema does not know (``spec.replica``,
    ``spec.template.spec.containers[0].imagePullPolcy``), in document order."""
    schema = schema_of(kind)
    if schema is None:
        return []
    out: list[str] = []
    _walk(obj, schema, out)
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
