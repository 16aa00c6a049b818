import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simk8s.api.errors import BadRequest
from simk8s.api.selectors import (
    Everything,
    Nothing,
    from_api,
    from_set,
    parse_field_selector,
    parse_label_selector,
)


def test_kubectl_label_selector_matches_and_prints_sorted_by_key():
    sel = parse_label_selector("tier in (b,a),app=nginx,!canary")
    assert str(sel) == "app=nginx,!canary,tier in (a,b)"
    assert sel.matches({"app": "nginx", "tier": "a"})
    assert not sel.matches({"app": "nginx", "tier": "a", "canary": "yes"})
    assert not sel.matches({"app": "nginx", "tier": "c"})
    assert not sel.matches(None)


@pytest.mark.parametrize(
    "text,labels,expected",
    [
        ("app==web", {"app": "web"}, True),
        ("app!=web", {}, True),
        ("app!=web", {"app": "web"}, False),
        ("app notin (a,b)", {"app": "c"}, True),
        ("app notin (a,b)", {}, True),
        ("app", {"app": ""}, True),
        ("app", {}, False),
        ("app=", {"app": ""}, True),
        ("x in (in,notin)", {"x": "in"}, True),
    ],
)
def test_each_operator_matches_like_apimachinery(text, labels, expected):
    assert parse_label_selector(text).matches(labels) is expected


def test_empty_selector_string_selects_everything():
    assert parse_label_selector("").empty
    assert parse_label_selector("").matches({"a": "b"})


@pytest.mark.parametrize(
    "text,message",
    [
        ("a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"),
        ("app in (a", "unable to parse requirement: found '', expected: ',' or ')'"),
        ("x,", "found '', expected: identifier after ','"),
        ("!a=b", "found '=', expected: ',' or 'end of string'"),
        (",a", "found ',', expected: !, identifier, or 'end of string'"),
        (
            "-a",
            'unable to parse requirement: <nil>: Invalid value: "-a": name part must consist of alphanumeric '
            "characters, '-', '_' or '.', and must start and end with an alphanumeric character "
            "(e.g. 'MyName',"
            "  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?"
            "[A-Za-z0-9]')",
        ),
        (
            "app=-x",
            'unable to parse requirement: values[0][app]: Invalid value: "-x": a valid label must be an '
            "empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end "
            "with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for "
            "validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
        ),
    ],
)
def test_malformed_selectors_are_bad_requests_with_apimachinery_text(text, message):
    with pytest.raises(BadRequest) as exc:
        parse_label_selector(text)
    assert str(exc.value) == message
    assert exc.value.status["code"] == 400


def test_api_selector_none_selects_nothing_and_empty_selects_everything():
    assert from_api(None) is Nothing
    assert not Nothing.matches({})
    assert not Nothing.empty
    assert from_api({}) is Everything
    assert Everything.matches({"x": "y"})


def test_api_selector_combines_match_labels_and_expressions():
    sel = from_api(
        {
            "matchLabels": {"app": "nginx"},
            "matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["b", "a"]},
                {"key": "canary", "operator": "DoesNotExist"},
            ],
        }
    )
    assert str(sel) == "app=nginx,!canary,tier in (a,b)"
    assert sel.matches({"app": "nginx", "tier": "b"})
    assert str(from_set({"b": "2", "a": "1"})) == "a=1,b=2"


def test_api_selector_with_unknown_operator_is_refused():
    with pytest.raises(BadRequest, match=r'^"Foo" is not a valid label selector operator$'):
        from_api({"matchExpressions": [{"key": "a", "operator": "Foo"}]})


def test_field_selector_on_pod_phase_and_node():
    sel = parse_field_selector("status.phase=Running,spec.nodeName!=k8s-w1")
    pod = {"metadata": {"name": "web-0"}, "spec": {"nodeName": "k8s-w2"}, "status": {"phase": "Running"}}
    assert sel.matches(pod)
    assert not sel.matches({**pod, "spec": {"nodeName": "k8s-w1"}})
    assert str(sel) == "spec.nodeName!=k8s-w1,status.phase=Running"
    assert parse_field_selector("metadata.name==web-0").matches(pod)


def test_unsupported_field_label_is_a_bad_request():
    with pytest.raises(BadRequest, match=r"^field label not supported: foo$"):
        parse_field_selector("foo=bar")
    with pytest.raises(BadRequest, match=r"^field label not supported: status\.phase$"):
        parse_field_selector("status.phase=Running", kind="Service")
    with pytest.raises(BadRequest) as exc:
        parse_field_selector("status.phase")
    assert str(exc.value) == "invalid selector: 'status.phase'; can't understand 'status.phase'"


_names = st.from_regex(r"\A[a-z][a-z0-9-]{0,8}[a-z0-9]\Z")
_values = st.from_regex(r"\A([A-Za-z0-9][-A-Za-z0-9_.]{0,6}[A-Za-z0-9])?\Z")
_requirements = st.one_of(
    st.builds(lambda k, v, op: f"{k}{op}{v}", _names, _values, st.sampled_from(["=", "==", "!="])),
    st.builds(
        lambda k, vs, op: f"{k} {op} ({','.join(vs)})",
        _names,
        st.lists(_values.filter(bool), min_size=1, max_size=3),
        st.sampled_from(["in", "notin"]),
    ),
    st.builds(lambda k, neg: ("!" if neg else "") + k, _names, st.booleans()),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_requirements, min_size=1, max_size=4), st.dictionaries(_names, _values, max_size=4))
def test_printed_selector_parses_back_to_the_same_meaning(terms, labels):
    sel = parse_label_selector(",".join(terms))
    again = parse_label_selector(str(sel))
    assert str(again) == str(sel)
    assert again.matches(labels) == sel.matches(labels)
