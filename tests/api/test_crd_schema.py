"""A custom resource against its CRD's structural schema: pruning, defaults, validation messages, and
the CustomResourceDefinition's own validation, worded as the apiextensions API server words them."""

from __future__ import annotations

from typing import Any

from simk8s.api.crd.definition import apply_crd_defaults
from simk8s.api.crd.schema import default, prune, validate
from simk8s.api.validation.apiextensions import validate_crd

SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["spec"],
    "properties": {
        "spec": {"type": "object", "required": ["version"], "properties": {
            "version": {"type": "string", "enum": ["15", "16"]},
            "replicas": {"type": "integer", "minimum": 1, "maximum": 9, "default": 1},
            "storage": {"type": "string", "pattern": "^[0-9]+Gi$", "maxLength": 6, "minLength": 2},
            "ports": {"type": "array", "maxItems": 2, "minItems": 1, "items": {
                "type": "object", "properties": {"port": {"type": "integer", "exclusiveMinimum": True,
                                                          "minimum": 0}}}},
            "ratio": {"type": "number", "multipleOf": 0.5},
            "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            "tls": {"type": "object", "properties": {"enabled": {"type": "boolean", "default": False}}},
            "note": {"type": "string", "nullable": True},
        }},
        "status": {"type": "object", "properties": {"ready": {"type": "integer"}}},
    },
}


def messages(obj: Any) -> list[str]:
    return [str(e) for e in validate(obj, SCHEMA)]


def test_type_errors_name_the_field_the_expected_and_the_actual_type() -> None:
    assert messages({"spec": {"version": "16", "replicas": "three"}}) == [
        'spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"']
    assert messages({"spec": {"version": 16}}) == [
        'spec.version: Invalid value: "integer": spec.version in body must be of type string: "integer"',
        'spec.version: Unsupported value: 16: supported values: "15", "16"']


def test_required_enum_and_number_bounds() -> None:
    assert messages({}) == ["spec: Required value"]
    assert messages({"spec": {"version": "14", "replicas": 0}}) == [
        'spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1',
        'spec.version: Unsupported value: "14": supported values: "15", "16"']
    assert messages({"spec": {"version": "15", "replicas": 10, "ratio": 0.3}}) == [
        "spec.ratio: Invalid value: 0.3: spec.ratio in body should be a multiple of 0.5",
        "spec.replicas: Invalid value: 10: spec.replicas in body should be less than or equal to 9"]


def test_strings_arrays_and_nested_paths() -> None:
    assert messages({"spec": {"version": "15", "storage": "10Ti"}}) == [
        "spec.storage: Invalid value: \"10Ti\": spec.storage in body should match '^[0-9]+Gi$'"]
    assert messages({"spec": {"version": "15", "storage": "1"}}) == [
        'spec.storage: Invalid value: "1": spec.storage in body should be at least 2 chars long',
        "spec.storage: Invalid value: \"1\": spec.storage in body should match '^[0-9]+Gi$'"]
    assert messages({"spec": {"version": "15", "ports": [{"port": 1}, {"port": 0}, {"port": "x"}]}}) == [
        "spec.ports: Too many: 3: must have at most 2 items",
        "spec.ports[1].port: Invalid value: 0: spec.ports[1].port in body should be greater than 0",
        'spec.ports[2].port: Invalid value: "string": spec.ports[2].port in body must be of type integer: '
        '"string"']
    assert messages({"spec": {"version": "15", "ports": []}}) == [
        "spec.ports: Invalid value: 0: spec.ports in body should have at least 1 items"]
    assert messages({"spec": {"version": "15", "labels": {"a": 1}}}) == [
        'spec.labels.a: Invalid value: "integer": spec.labels.a in body must be of type string: "integer"']


def test_valid_objects_have_no_errors_and_integral_floats_are_integers() -> None:
    assert messages({"spec": {"version": "15", "replicas": 3.0, "note": None, "ratio": 1}}) == []


def test_pruning_reports_unknown_fields_and_keeps_what_the_schema_preserves() -> None:
    obj = {"apiVersion": "db.example.com/v1", "kind": "PostgresCluster", "metadata": {"name": "a"},
           "spec": {"version": "15", "replica": 3, "extra": {"anything": {"goes": 1}},
                    "ports": [{"port": 1, "name": "x"}], "labels": {"free": "form"}},
           "top": 1}
    assert prune(obj, SCHEMA) == ["spec.replica", "spec.ports[0].name", "top"]
    assert obj["spec"] == {"version": "15", "extra": {"anything": {"goes": 1}}, "ports": [{"port": 1}],
                           "labels": {"free": "form"}}
    assert obj["metadata"] == {"name": "a"}


def test_defaults_fill_present_objects_and_replace_disallowed_nulls() -> None:
    obj: dict[str, Any] = {"spec": {"version": "15", "replicas": None, "tls": {}, "note": None}}
    default(obj, SCHEMA)
    assert obj == {"spec": {"version": "15", "replicas": 1, "tls": {"enabled": False}, "note": None}}
    bare: dict[str, Any] = {"spec": {"version": "15"}}
    default(bare, SCHEMA)
    assert bare == {"spec": {"version": "15", "replicas": 1}}     # no tls object: nothing to default in


def crd(**spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"metadata": {"name": "things.example.com"}, "spec": {
        "group": "example.com", "scope": "Namespaced",
        "names": {"plural": "things", "kind": "Thing"},
        "versions": [{"name": "v1", "served": True, "storage": True,
                      "schema": {"openAPIV3Schema": {"type": "object"}}}]}}
    body["spec"].update(spec)
    apply_crd_defaults(body)
    return body


def crd_messages(body: dict[str, Any]) -> list[str]:
    return [str(e) for e in validate_crd(body)]


def test_crd_defaults_singular_list_kind_and_conversion() -> None:
    spec = crd()["spec"]
    assert spec["names"] == {"plural": "things", "kind": "Thing", "singular": "thing", "listKind": "ThingList"}
    assert spec["conversion"] == {"strategy": "None"}
    assert crd_messages(crd()) == []


def test_crd_name_scope_group_and_versions_are_checked() -> None:
    bad = crd(group="example", scope="Global")
    assert crd_messages(bad) == [
        'metadata.name: Invalid value: "things.example.com": must be spec.names.plural+"."+spec.group',
        'spec.group: Invalid value: "example": should be a domain with at least one dot',
        'spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"']
    two = crd(versions=[{"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": {
        "type": "object"}}}, {"name": "v2", "served": True, "storage": True,
                             "schema": {"openAPIV3Schema": {"type": "object"}}}])
    assert crd_messages(two)[-1].endswith(": must have exactly one version marked as storage version")
    assert crd_messages(two)[-1].startswith("spec.versions: Invalid value: []apiextensions.CustomResource"
                                            "DefinitionVersion{")


def test_crd_v1_requires_a_structural_schema() -> None:
    none = crd(versions=[{"name": "v1", "served": True, "storage": True}])
    assert crd_messages(none) == ["spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required"]
    untyped = crd(versions=[{"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": {
        "properties": {"spec": {"properties": {"list": {"type": "array"}}}}}}}])
    assert crd_messages(untyped) == [
        "spec.versions[0].schema.openAPIV3Schema.type: Required value: must not be empty at the root",
        "spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for "
        "specified object fields",
        "spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[list].items: Required value: must "
        "be specified"]
