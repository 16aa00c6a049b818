import copy

from simk8s.api import kinds
from simk8s.api.defaults import apply_defaults, image_pull_policy


def web_sts():
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "serviceName": "nginx",
            "selector": {"matchLabels": {"app": "nginx"}},
            "template": {
                "metadata": {"labels": {"app": "nginx"}},
                "spec": {
                    "containers": [
                        {
                            "name": "nginx",
                            "image": "registry.k8s.io/nginx-slim:0.24",
                            "ports": [{"containerPort": 80, "name": "web"}],
                            "volumeMounts": [{"name": "www", "mountPath": "/usr/share/nginx/html"}],
                        }
                    ]
                },
            },
            "volumeClaimTemplates": [
                {
                    "metadata": {"name": "www"},
                    "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
                }
            ],
        },
    }


def test_statefulset_gets_the_fields_kubectl_shows_after_create():
    sts = web_sts()
    apply_defaults(kinds.lookup("StatefulSet"), sts)
    spec = sts["spec"]
    assert spec["replicas"] == 1
    assert spec["podManagementPolicy"] == "OrderedReady"
    assert spec["updateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}
    assert spec["revisionHistoryLimit"] == 10
    assert spec["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain", "whenScaled": "Retain"}
    assert spec["template"]["metadata"] == {"creationTimestamp": None, "labels": {"app": "nginx"}}
    pod_spec = spec["template"]["spec"]
    assert pod_spec["restartPolicy"] == "Always"
    assert pod_spec["dnsPolicy"] == "ClusterFirst"
    assert pod_spec["schedulerName"] == "default-scheduler"
    assert pod_spec["securityContext"] == {}
    assert pod_spec["terminationGracePeriodSeconds"] == 30
    assert "enableServiceLinks" not in pod_spec  # only pods get it
    c = pod_spec["containers"][0]
    assert c["imagePullPolicy"] == "IfNotPresent"
    assert c["terminationMessagePath"] == "/dev/termination-log"
    assert c["terminationMessagePolicy"] == "File"
    assert c["resources"] == {}
    assert c["ports"] == [{"containerPort": 80, "name": "web", "protocol": "TCP"}]
    vct = spec["volumeClaimTemplates"][0]
    assert vct["apiVersion"] == "v1" and vct["kind"] == "PersistentVolumeClaim"
    assert vct["spec"]["volumeMode"] == "Filesystem"
    assert vct["status"] == {"phase": "Pending"}


def test_defaulting_twice_changes_nothing():
    sts = web_sts()
    apply_defaults(kinds.lookup("StatefulSet"), sts)
    again = copy.deepcopy(sts)
    apply_defaults(kinds.lookup("StatefulSet"), again)
    assert again == sts


def test_image_pull_policy_depends_on_the_tag():
    assert image_pull_policy("nginx") == "Always"
    assert image_pull_policy("nginx:latest") == "Always"
    assert image_pull_policy("localhost:5000/nginx") == "Always"
    assert image_pull_policy("nginx:1.25") == "IfNotPresent"
    assert image_pull_policy("nginx@sha256:abc") == "IfNotPresent"


def test_pod_gets_admission_fields_and_requests_from_limits():
    pod = {
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": "busybox", "resources": {"limits": {"cpu": "1"}}}]},
    }
    apply_defaults(kinds.lookup("Pod"), pod)
    spec = pod["spec"]
    assert spec["enableServiceLinks"] is True
    assert spec["priority"] == 0
    assert spec["preemptionPolicy"] == "PreemptLowerPriority"
    assert spec["serviceAccountName"] == "default"
    assert spec["containers"][0]["resources"] == {"limits": {"cpu": "1"}, "requests": {"cpu": "1"}}
    assert spec["containers"][0]["imagePullPolicy"] == "Always"
    assert [t["key"] for t in spec["tolerations"]] == [
        "node.kubernetes.io/not-ready",
        "node.kubernetes.io/unreachable",
    ]
    assert spec["tolerations"][0]["tolerationSeconds"] == 300


def test_service_defaults_target_port_and_single_stack():
    svc = {
        "metadata": {"name": "nginx"},
        "spec": {"clusterIP": "None", "selector": {"app": "nginx"}, "ports": [{"port": 80, "name": "web"}]},
    }
    apply_defaults(kinds.lookup("Service"), svc)
    spec = svc["spec"]
    assert spec["ports"] == [{"port": 80, "name": "web", "protocol": "TCP", "targetPort": 80}]
    assert spec["type"] == "ClusterIP"
    assert spec["sessionAffinity"] == "None"
    assert spec["clusterIPs"] == ["None"]
    assert spec["ipFamilyPolicy"] == "SingleStack"
    assert spec["ipFamilies"] == ["IPv4"]
    assert spec["internalTrafficPolicy"] == "Cluster"


def test_deployment_storage_and_namespace_defaults():
    dep = {
        "metadata": {"name": "d"},
        "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "x:1"}]}}},
    }
    apply_defaults(kinds.lookup("Deployment"), dep)
    assert dep["spec"]["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"},
    }
    assert dep["spec"]["progressDeadlineSeconds"] == 600
    assert dep["spec"]["revisionHistoryLimit"] == 10
    sc = {"metadata": {"name": "local-path"}, "provisioner": "rancher.io/local-path"}
    apply_defaults(kinds.lookup("StorageClass"), sc)
    assert (sc["reclaimPolicy"], sc["volumeBindingMode"]) == ("Delete", "Immediate")
    pv = {"metadata": {"name": "pv"}, "spec": {"hostPath": {"path": "/x"}}}
    apply_defaults(kinds.lookup("PersistentVolume"), pv)
    assert pv["spec"]["persistentVolumeReclaimPolicy"] == "Retain"
    assert pv["spec"]["hostPath"] == {"path": "/x", "type": ""}
    pvc = {"metadata": {"name": "c"}, "spec": {}}
    apply_defaults(kinds.lookup("PersistentVolumeClaim"), pvc)
    assert pvc["spec"]["volumeMode"] == "Filesystem"
    ns = {"metadata": {"name": "demo"}}
    apply_defaults(kinds.lookup("Namespace"), ns)
    assert ns["spec"] == {"finalizers": ["kubernetes"]}
    assert ns["metadata"]["labels"] == {"kubernetes.io/metadata.name": "demo"}
