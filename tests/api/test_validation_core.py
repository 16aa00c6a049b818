import copy

from tests.api.test_validation_apps import DNS1123_LABEL, errors

DNS1035 = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
    "character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for "
    "validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
)
SUBDOMAIN = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and "
    "must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)


def pod(**spec):
    base = {"containers": [{"name": "nginx", "image": "nginx:1.25"}]}
    base.update(spec)
    return {"metadata": {"name": "web-0", "namespace": "default"}, "spec": base}


def test_object_meta_rules_apply_to_every_kind():
    p = pod()
    p["metadata"] = {"namespace": "default", "labels": {"app": "-x"}, "annotations": {"bad key": "v"}}
    assert errors("Pod", p) == [
        "metadata.name: Required value: name or generateName is required",
        'metadata.labels: Invalid value: "-x": a valid label must be an empty string or consist of '
        "alphanumeric "
        "characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. "
        "'MyValue',  "
        "or 'my_value',  or '12345', regex used for validation is "
        "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
        'metadata.annotations: Invalid value: "bad key": name part must consist of alphanumeric characters, '
        "'-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  "
        "or 'my.name',"
        "  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    ]
    p = pod()
    p["metadata"]["name"] = "Web_0"
    assert errors("Pod", p) == [f'metadata.name: Invalid value: "Web_0": {SUBDOMAIN}']
    p = pod()
    del p["metadata"]["namespace"]
    assert errors("Pod", p) == ["metadata.namespace: Required value"]


def test_generate_name_may_end_in_a_dash():
    p = pod()
    p["metadata"] = {
        "generateName": "nginx-66b6c48dd5-",
        "name": "nginx-66b6c48dd5-4jw2p",
        "namespace": "default",
    }
    assert errors("Pod", p) == []


def test_cluster_scoped_objects_may_not_have_a_namespace():
    pv = {
        "metadata": {"name": "pv1", "namespace": "default"},
        "spec": {
            "capacity": {"storage": "1Gi"},
            "accessModes": ["ReadWriteOnce"],
            "hostPath": {"path": "/x"},
        },
    }
    assert errors("PersistentVolume", pv) == ["metadata.namespace: Forbidden: not allowed on this type"]


def test_uid_and_namespace_are_immutable_on_update():
    old = pod()
    old["metadata"]["uid"] = "a"
    new = copy.deepcopy(old)
    new["metadata"]["uid"] = "b"
    assert errors("Pod", new, old) == ['metadata.uid: Invalid value: "b": field is immutable']


def test_volume_mount_must_name_a_volume():
    p = pod()
    p["spec"]["containers"][0]["volumeMounts"] = [{"name": "www", "mountPath": "/usr/share/nginx/html"}]
    assert errors("Pod", p) == ['spec.containers[0].volumeMounts[0].name: Not found: "www"']
    p["spec"]["volumes"] = [{"name": "www", "persistentVolumeClaim": {"claimName": "www-web-0"}}]
    assert errors("Pod", p) == []


def test_containers_required_named_unique_and_with_images():
    assert errors("Pod", pod(containers=[])) == ["spec.containers: Required value"]
    two = [{"name": "nginx", "image": "nginx"}, {"name": "nginx", "image": ""}]
    assert errors("Pod", pod(containers=two)) == [
        "spec.containers[1].image: Required value",
        'spec.containers[1].name: Duplicate value: "nginx"',
    ]
    assert errors("Pod", pod(containers=[{"name": "Nginx", "image": "x"}])) == [
        f'spec.containers[0].name: Invalid value: "Nginx": {DNS1123_LABEL}'
    ]


def test_container_ports_and_policies():
    c = {
        "name": "c",
        "image": "x",
        "imagePullPolicy": "Sometimes",
        "ports": [{"containerPort": 70000, "name": "web"}, {"containerPort": 81, "name": "web"}],
    }
    assert errors("Pod", pod(containers=[c], restartPolicy="Sometimes")) == [
        "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and "
        "65535, inclusive",
        'spec.containers[0].ports[1].name: Duplicate value: "web"',
        'spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", '
        '"IfNotPresent", "Never"',
        'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", '
        '"OnFailure", "Never"',
    ]


def test_hostname_and_subdomain_are_dns_labels():
    assert errors("Pod", pod(hostname="web-0", subdomain="nginx")) == []
    assert errors("Pod", pod(subdomain="Nginx")) == [
        f'spec.subdomain: Invalid value: "Nginx": {DNS1123_LABEL}'
    ]


def test_requests_may_not_exceed_limits():
    c = {"name": "c", "image": "x", "resources": {"requests": {"cpu": "2"}, "limits": {"cpu": "1"}}}
    assert errors("Pod", pod(containers=[c])) == [
        'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to '
        "cpu limit of 1"
    ]


def test_pod_update_may_change_the_image_but_not_other_fields():
    old = pod()
    new = copy.deepcopy(old)
    new["spec"]["containers"][0]["image"] = "nginx:1.27"
    assert errors("Pod", new, old) == []
    new["spec"]["restartPolicy"] = "Never"
    [err] = errors("Pod", new, old)
    assert err.startswith(
        "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,"
        "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to "
        "existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was "
        "previously negative)\n  core.PodSpec{\n"
    )
    assert '- \tRestartPolicy: "Always",\n+ \tRestartPolicy: "Never",' in err
    new = copy.deepcopy(old)
    new["spec"]["containers"].append({"name": "b", "image": "x"})
    assert errors("Pod", new, old) == [
        "spec.containers: Forbidden: pod updates may not add or remove containers"
    ]


def svc(**spec):
    return {"metadata": {"name": "nginx", "namespace": "default"}, "spec": spec}


def test_service_name_is_a_dns1035_label():
    s = svc(ports=[{"port": 80}])
    s["metadata"]["name"] = "1nginx"
    assert errors("Service", s) == [f'metadata.name: Invalid value: "1nginx": {DNS1035}']


def test_service_ports_need_unique_names_when_several():
    assert errors("Service", svc(ports=[{"port": 80}, {"port": 443}])) == [
        "spec.ports[0].name: Required value",
        "spec.ports[1].name: Required value",
    ]
    assert errors("Service", svc(ports=[{"port": 80, "name": "web"}, {"port": 443, "name": "web"}])) == [
        'spec.ports[1].name: Duplicate value: "web"'
    ]
    # targetPort defaults to port, so it is reported too.
    assert errors("Service", svc(ports=[{"port": 0}])) == [
        "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
        "spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive",
    ]
    assert errors("Service", svc(ports=[{"port": 80}, {"port": 80, "name": "b"}])) == [
        "spec.ports[0].name: Required value",
        'spec.ports[1]: Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", '
        "AppProtocol:(*string)(nil), "
        'Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}',
    ]
    assert errors("Service", svc(type="ClusterIP")) == ["spec.ports: Required value"]


def test_headless_only_with_cluster_ip_type():
    assert errors("Service", svc(clusterIP="None", selector={"app": "nginx"})) == []
    assert errors("Service", svc(type="NodePort", clusterIP="None", ports=[{"port": 80}])) == [
        "spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for NodePort services"
    ]


def test_cluster_ip_may_not_change():
    old = svc(clusterIP="10.200.1.20", ports=[{"port": 80}])
    new = svc(clusterIP="None", clusterIPs=["None"], ports=[{"port": 80}])
    assert errors("Service", new, old) == [
        'spec.clusterIPs[0]: Invalid value: []string{"None"}: may not change once set'
    ]


def pvc(**spec):
    return {"metadata": {"name": "www-web-0", "namespace": "default"}, "spec": spec}


def test_pvc_needs_access_modes_and_storage():
    assert errors("PersistentVolumeClaim", pvc()) == [
        "spec.accessModes: Required value: at least 1 access mode is required",
        "spec.resources[storage]: Required value",
    ]
    assert errors(
        "PersistentVolumeClaim",
        pvc(accessModes=["ReadWriteSometimes"], resources={"requests": {"storage": "1Gi"}}),
    ) == [
        'spec.accessModes: Unsupported value: "ReadWriteSometimes": supported values: "ReadOnlyMany", '
        '"ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"'
    ]


def test_pvc_spec_is_immutable_except_for_requests_of_bound_claims():
    old = pvc(
        accessModes=["ReadWriteOnce"],
        resources={"requests": {"storage": "1Gi"}},
        storageClassName="local-path",
    )
    new = copy.deepcopy(old)
    new["spec"]["storageClassName"] = "fast"
    [err] = errors("PersistentVolumeClaim", new, old)
    assert err.startswith(
        "spec: Forbidden: spec is immutable after creation except resources.requests and "
        "volumeAttributesClassName for bound claims\n"
    )
    bound = copy.deepcopy(old)
    bound["status"] = {"phase": "Bound"}
    grown = copy.deepcopy(bound)
    grown["spec"]["resources"]["requests"]["storage"] = "2Gi"
    assert errors("PersistentVolumeClaim", grown, bound) == []
    binding = copy.deepcopy(old)
    binding["spec"]["volumeName"] = "pvc-123"
    assert errors("PersistentVolumeClaim", binding, old) == []


def test_storage_class_rules():
    sc = {
        "metadata": {"name": "local-path"},
        "provisioner": "rancher.io/local-path",
        "volumeBindingMode": "WaitForFirstConsumer",
        "reclaimPolicy": "Recycle",
    }
    assert errors("StorageClass", sc) == [
        'reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"'
    ]
    sc["reclaimPolicy"] = "Delete"
    new = copy.deepcopy(sc)
    new["provisioner"] = "example.com/other"
    new["volumeBindingMode"] = "Immediate"
    assert errors("StorageClass", new, sc) == [
        "provisioner: Forbidden: updates to provisioner are forbidden.",
        'volumeBindingMode: Invalid value: "Immediate": field is immutable',
    ]
    assert errors("StorageClass", {"metadata": {"name": "x"}}) == ["provisioner: Required value"]


def test_namespace_name_is_a_dns_label_and_nodes_need_valid_taints():
    assert errors("Namespace", {"metadata": {"name": "My_ns"}}) == [
        f'metadata.name: Invalid value: "My_ns": {DNS1123_LABEL}'
    ]
    assert errors("Namespace", {"metadata": {"name": "my.ns"}}) == [
        'metadata.name: Invalid value: "my.ns": must not contain dots'
    ]
    node = {"metadata": {"name": "k8s-w1"}, "spec": {"taints": [{"key": "a", "effect": "Sometimes"}]}}
    assert errors("Node", node) == [
        'metadata.taints[0].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", '
        '"PreferNoSchedule", "NoExecute"'
    ]


def test_endpoints_and_slices_minimal_checks():
    ep = {
        "metadata": {"name": "nginx", "namespace": "default"},
        "subsets": [{"addresses": [{"ip": "172.16.1.5", "hostname": "web-0"}], "ports": [{"port": 80}]}],
    }
    assert errors("Endpoints", ep) == []
    ep["subsets"][0]["addresses"][0]["ip"] = "nope"
    assert errors("Endpoints", ep) == [
        'subsets[0].addresses[0].ip: Invalid value: "nope": must be a valid IP address, (e.g. 10.9.8.7 or '
        "2001:db8::ffff)"
    ]
    sl = {"metadata": {"name": "nginx-abcde", "namespace": "default"}, "addressType": "IPv5", "endpoints": []}
    assert errors("EndpointSlice", sl) == [
        'addressType: Unsupported value: "IPv5": supported values: "IPv4", "IPv6", "FQDN"'
    ]


def test_pod_update_may_add_tolerations_and_shorten_the_deadline():
    old = pod(activeDeadlineSeconds=100)
    new = copy.deepcopy(old)
    new["spec"]["activeDeadlineSeconds"] = 50
    new["spec"]["tolerations"] = [{"key": "dedicated", "operator": "Exists", "effect": "NoSchedule"}]
    assert errors("Pod", new, old) == []
    new["spec"]["activeDeadlineSeconds"] = 200
    assert errors("Pod", new, old) == [
        "spec.activeDeadlineSeconds: Invalid value: 200: must be less than or equal to previous value"
    ]


def test_pvc_without_class_may_get_the_default_class_later_and_rwop_is_exclusive():
    old = pvc(accessModes=["ReadWriteOnce"], resources={"requests": {"storage": "1Gi"}})
    new = copy.deepcopy(old)
    new["spec"]["storageClassName"] = "local-path"
    assert errors("PersistentVolumeClaim", new, old) == []
    both = pvc(accessModes=["ReadWriteOnce", "ReadWriteOncePod"], resources={"requests": {"storage": "0"}})
    assert errors("PersistentVolumeClaim", both) == [
        "spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes",
        'spec.resources[storage]: Invalid value: "0": must be greater than zero',
    ]


def test_no_new_finalizers_while_deleting_and_owner_references_need_names():
    old = pod()
    old["metadata"].update({"deletionTimestamp": "2024-01-01T00:00:00Z", "finalizers": ["a/b"]})
    new = copy.deepcopy(old)
    new["metadata"]["finalizers"] = ["a/b", "example.com/hold"]
    assert errors("Pod", new, old) == [
        "metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, "
        'found new finalizers []string{"example.com/hold"}'
    ]
    p = pod()
    p["metadata"]["ownerReferences"] = [
        {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "", "uid": "u"}
    ]
    assert errors("Pod", p) == ['metadata.ownerReferences.name: Invalid value: "": must not be empty']


def test_events_only_get_the_legacy_namespace_checks():
    ev = {
        "metadata": {"name": "web-0.17c", "namespace": "default"},
        "involvedObject": {"kind": "Pod", "name": "web-0", "namespace": "default"},
        "type": "Normal",
    }
    assert errors("Event", ev) == []
    ev["involvedObject"]["namespace"] = "other"
    assert errors("Event", ev) == [
        'involvedObject.namespace: Invalid value: "other": does not match event.namespace'
    ]


def test_pv_needs_one_source_capacity_and_local_node_affinity():
    pv = {
        "metadata": {"name": "pv1"},
        "spec": {"accessModes": ["ReadWriteOnce"], "capacity": {"storage": "1Gi"}},
    }
    assert errors("PersistentVolume", pv) == ["spec: Required value: must specify a volume type"]
    pv["spec"]["local"] = {"path": "/mnt/disk"}
    assert errors("PersistentVolume", pv) == [
        "spec.nodeAffinity: Required value: Local volume requires node affinity"
    ]
    pv["spec"]["hostPath"] = {"path": "/x"}
    del pv["spec"]["capacity"]
    assert errors("PersistentVolume", pv) == [
        "spec.capacity: Required value",
        'spec.capacity: Unsupported value: core.ResourceList{}: supported values: "storage"',
        "spec.local: Forbidden: may not specify more than 1 volume type",
    ]
