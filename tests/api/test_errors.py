from simk8s.api import kinds
from simk8s.api.errors import (
    AlreadyExists,
    Conflict,
    FieldError,
    GoValue,
    Invalid,
    NotFound,
    go_repr,
    kubectl_message,
)

STS = kinds.lookup("StatefulSet")
POD = kinds.lookup("Pod")


def test_not_found_names_the_qualified_resource():
    assert str(NotFound.for_object(POD, "web-9")) == 'pods "web-9" not found'
    err = NotFound.for_object(STS, "web")
    assert str(err) == 'statefulsets.apps "web" not found'
    assert kubectl_message(err) == 'Error from server (NotFound): statefulsets.apps "web" not found'
    assert err.status["code"] == 404 and err.status["reason"] == "NotFound"
    assert err.status["details"] == {"name": "web", "group": "apps", "kind": "statefulsets"}


def test_already_exists_and_conflict_messages():
    assert str(AlreadyExists.for_object(POD, "web-0")) == 'pods "web-0" already exists'
    assert str(Conflict.for_object(STS, "web")) == (
        'Operation cannot be fulfilled on statefulsets.apps "web": the object has been modified; '
        "please apply your changes to the latest version and try again")


def test_field_error_bodies_follow_apimachinery():
    assert str(FieldError.invalid("spec.replicas", -1, "must be greater than or equal to 0")) == (
        "spec.replicas: Invalid value: -1: must be greater than or equal to 0")
    assert str(FieldError.required("spec.selector")) == "spec.selector: Required value"
    assert str(FieldError.not_supported("spec.template.spec.restartPolicy", "Never", ["Always"])) == (
        'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"')
    assert str(FieldError.forbidden("spec", "nope")) == "spec: Forbidden: nope"
    assert str(FieldError.too_many("spec.x", 5, 3)) == "spec.x: Too many: 5: must have at most 3 items"
    assert str(FieldError.invalid("a", "Web", "bad")) == 'a: Invalid value: "Web": bad'
    assert str(FieldError.invalid("a", True, "bad")) == "a: Invalid value: true: bad"
    assert str(FieldError.invalid("a", None, "bad")) == "a: Invalid value: null: bad"


def test_go_repr_prints_maps_as_fmt_does():
    assert go_repr({"app": "nginx"}) == 'map[string]string{"app":"nginx"}'
    assert go_repr({"b": "2", "a": "1"}) == 'map[string]string{"a":"1", "b":"2"}'
    assert go_repr(["a", "b"]) == '[]string{"a", "b"}'
    assert go_repr(GoValue("v1.Thing{}")) == "v1.Thing{}"


def test_invalid_with_one_cause_reads_as_the_api_server_and_kubectl_print_it():
    err = Invalid.for_object(STS, "web", [FieldError.invalid("spec.replicas", -1, "must be greater than or equal to 0")])
    assert str(err) == 'StatefulSet.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0'
    assert kubectl_message(err) == (
        'The StatefulSet "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0')
    assert err.status["details"]["causes"] == [
        {"reason": "FieldValueInvalid", "message": "Invalid value: -1: must be greater than or equal to 0",
         "field": "spec.replicas"}]


def test_invalid_with_several_causes_is_bracketed_by_the_server_and_bulleted_by_kubectl():
    errs = [FieldError.required("spec.selector"), FieldError.invalid("spec.replicas", -1, "bad"),
            FieldError.required("spec.selector")]
    err = Invalid.for_object(STS, "web", errs)
    assert str(err) == 'StatefulSet.apps "web" is invalid: [spec.selector: Required value, spec.replicas: Invalid value: -1: bad]'
    assert kubectl_message(err) == (
        'The StatefulSet "web" is invalid: \n* spec.selector: Required value\n* spec.replicas: Invalid value: -1: bad')


def test_with_message_keeps_the_class_and_details():
    err = NotFound.for_object(POD, "x").with_message('error when deleting "f.yaml": pods "x" not found')
    assert isinstance(err, NotFound) and err.details["name"] == "x"
    assert kubectl_message(err) == 'Error from server (NotFound): error when deleting "f.yaml": pods "x" not found'
