import copy

import pytest

from simk8s.api import kinds
from simk8s.api.defaults import apply_defaults
from simk8s.api.errors import Invalid, kubectl_message
from simk8s.api.validation import validate
from tests.api.test_defaults import web_sts

STS = kinds.lookup("StatefulSet")
DNS1123_LABEL = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
    "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
    "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)


def errors(kind, obj, old=None):
    k = kinds.lookup(kind)
    obj = copy.deepcopy(obj)
    apply_defaults(k, obj)
    if old is not None:
        old = copy.deepcopy(old)
        apply_defaults(k, old)
    return [str(e) for e in validate(k, obj, old)]


def test_the_tutorial_statefulset_is_valid():
    assert errors("StatefulSet", web_sts()) == []


def test_statefulset_name_must_be_a_dns_label():
    sts = web_sts()
    sts["metadata"]["name"] = "Web"
    assert errors("StatefulSet", sts) == [f'metadata.name: Invalid value: "Web": {DNS1123_LABEL}']


def test_missing_selector_reports_both_required_and_template_mismatch():
    sts = web_sts()
    del sts["spec"]["selector"]
    errs = errors("StatefulSet", sts)
    assert errs == [
        "spec.selector: Required value",
        'spec.template.metadata.labels: Invalid value: map[string]string{"app":"nginx"}: '
        "`selector` does not match template `labels`",
    ]
    k = kinds.lookup("StatefulSet")
    obj = copy.deepcopy(sts)
    apply_defaults(k, obj)
    err = Invalid.for_object(k, "web", validate(k, obj))
    assert kubectl_message(err) == (
        'The StatefulSet "web" is invalid: \n* spec.selector: Required value\n'
        '* spec.template.metadata.labels: Invalid value: map[string]string{"app":"nginx"}: '
        "`selector` does not match template `labels`"
    )


def test_selector_not_matching_template_labels():
    sts = web_sts()
    sts["spec"]["selector"] = {"matchLabels": {"app": "web"}}
    assert errors("StatefulSet", sts) == [
        'spec.template.metadata.labels: Invalid value: map[string]string{"app":"nginx"}: '
        "`selector` does not match template `labels`"
    ]


def test_empty_selector_is_invalid_for_statefulset():
    sts = web_sts()
    sts["spec"]["selector"] = {}
    assert errors("StatefulSet", sts) == [
        "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), "
        "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for statefulset"
    ]


@pytest.mark.parametrize(
    "path,value,message",
    [
        (("replicas",), -1, "spec.replicas: Invalid value: -1: must be greater than or equal to 0"),
        (
            ("minReadySeconds",),
            -5,
            "spec.minReadySeconds: Invalid value: -5: must be greater than or equal to 0",
        ),
        (
            ("ordinals",),
            {"start": -1},
            "spec.ordinals.start: Invalid value: -1: must be greater than or equal to 0",
        ),
        (
            ("podManagementPolicy",),
            "Serial",
            "spec.podManagementPolicy: Invalid value: \"Serial\": must be 'OrderedReady' or 'Parallel'",
        ),
        (
            ("updateStrategy",),
            {"type": "RollingUpdate", "rollingUpdate": {"partition": -1}},
            "spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than "
            "or equal to 0",
        ),
        (
            ("updateStrategy",),
            {"type": "OnDelete", "rollingUpdate": {"partition": 2}},
            "spec.updateStrategy.rollingUpdate: Invalid value: "
            "apps.RollingUpdateStatefulSetStrategy{Partition:2, "
            "MaxUnavailable:(*intstr.IntOrString)(nil)}: only allowed for updateStrategy 'RollingUpdate'",
        ),
        (
            ("updateStrategy",),
            {"type": "Foo"},
            'spec.updateStrategy: Invalid value: apps.StatefulSetUpdateStrategy{Type:"Foo", '
            "RollingUpdate:(*apps.RollingUpdateStatefulSetStrategy)(nil)}: must be 'RollingUpdate' "
            "or 'OnDelete'",
        ),
        (
            ("persistentVolumeClaimRetentionPolicy",),
            {"whenDeleted": "Keep", "whenScaled": "Delete"},
            'spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Unsupported value: "Keep": '
            'supported values: "Retain", "Delete"',
        ),
    ],
)
def test_statefulset_spec_field_rules(path, value, message):
    sts = web_sts()
    sts["spec"][path[0]] = value
    assert errors("StatefulSet", sts) == [message]


def test_statefulset_template_must_restart_always_and_has_no_deadline():
    sts = web_sts()
    sts["spec"]["template"]["spec"]["restartPolicy"] = "Never"
    sts["spec"]["template"]["spec"]["activeDeadlineSeconds"] = 10
    assert errors("StatefulSet", sts) == [
        'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
        "spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in StatefulSet "
        "is not Supported",
    ]


def test_statefulset_does_not_validate_claim_templates_or_mounts():
    sts = web_sts()
    sts["spec"]["volumeClaimTemplates"][0]["spec"] = {}
    assert errors("StatefulSet", sts) == []


def test_statefulset_update_may_scale_but_not_change_service_name():
    old = web_sts()
    new = web_sts()
    new["spec"]["replicas"] = 5
    new["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.27"
    new["spec"]["revisionHistoryLimit"] = 3
    assert errors("StatefulSet", new, old) == []
    new["spec"]["serviceName"] = "other"
    assert errors("StatefulSet", new, old) == [
        "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', "
        "'ordinals', 'template', "
        "'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and "
        "'minReadySeconds' "
        "are forbidden"
    ]


def test_statefulset_name_is_not_revalidated_on_update_but_is_immutable():
    old = web_sts()
    new = web_sts()
    new["metadata"]["name"] = "web2"
    assert errors("StatefulSet", new, old) == ['metadata.name: Invalid value: "web2": field is immutable']


def deployment():
    return {
        "metadata": {"name": "nginx", "namespace": "default"},
        "spec": {
            "selector": {"matchLabels": {"app": "nginx"}},
            "template": {
                "metadata": {"labels": {"app": "nginx"}},
                "spec": {"containers": [{"name": "nginx", "image": "nginx:1.25"}]},
            },
        },
    }


def test_deployment_validates_its_pod_template():
    assert errors("Deployment", deployment()) == []
    dep = deployment()
    dep["spec"]["template"]["spec"]["containers"][0]["image"] = ""
    dep["spec"]["replicas"] = -1
    assert errors("Deployment", dep) == [
        "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
        "spec.template.spec.containers[0].image: Required value",
    ]


def test_deployment_strategy_and_immutable_selector():
    dep = deployment()
    dep["spec"]["strategy"] = {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 0}}
    assert errors("Deployment", dep) == [
        "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:0, IntVal:0, "
        'StrVal:""}: may not be 0 when `maxSurge` is 0'
    ]
    new = deployment()
    new["spec"]["selector"] = {"matchLabels": {"app": "nginx", "tier": "web"}}
    new["spec"]["template"]["metadata"]["labels"]["tier"] = "web"
    assert errors("Deployment", new, deployment()) == [
        'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"nginx", '
        '"tier":"web"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable'
    ]


def test_replicaset_requires_selector():
    rs = deployment()
    del rs["spec"]["selector"]
    assert errors("ReplicaSet", rs) == [
        "spec.selector: Required value",
        'spec.template.metadata.labels: Invalid value: map[string]string{"app":"nginx"}: '
        "`selector` does not match template `labels`",
    ]


def test_controller_revision_needs_data():
    cr = {"metadata": {"name": "web-6b5c4b8f5d", "namespace": "default"}, "revision": -1}
    assert errors("ControllerRevision", cr) == [
        "data: Required value: data is mandatory",
        "revision: Invalid value: -1: must be greater than or equal to 0",
    ]


def test_validation_and_schema_accept_frozen_objects_without_mutating_them():
    from simk8s.api.frozen import freeze
    from simk8s.api.schema import unknown_fields

    sts = web_sts()
    apply_defaults(STS, sts)
    frozen = freeze(sts)
    assert validate(STS, frozen, frozen) == []
    assert unknown_fields(STS, frozen) == []
    assert selectors_match(frozen)


def selectors_match(sts):
    from simk8s.api.selectors import from_api

    return from_api(sts["spec"]["selector"]).matches(sts["spec"]["template"]["metadata"]["labels"])
