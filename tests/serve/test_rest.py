"""The served API's verbs, errors and documents, as a client sees them over HTTP."""

from __future__ import annotations

from simk8s import Cluster
from simk8s.serve import Endpoint
from tests.serve.conftest import Api

PODS = "/api/v1/namespaces/default/pods"
STS = "/apis/apps/v1/namespaces/default/statefulsets"

CM_POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "solo", "labels": {"app": "solo"}},
          "spec": {"containers": [{"name": "c", "image": "busybox:1.28", "command": ["sleep", "3600"]}]}}


def state(endpoint: Endpoint) -> list[tuple[str, str, str]]:
    """Every object's version, once the cluster has nothing left to do."""
    c: Cluster = endpoint.cluster
    endpoint.call(c.settle)
    return endpoint.call(lambda: [(k.kind, o["metadata"]["name"], o["metadata"]["resourceVersion"])
                                  for k, o in c.objects()])


def test_version_says_1_32_and_is_not_cached(api: Api) -> None:
    r = api("GET", "/version")
    assert (r.json["major"], r.json["minor"]) == ("1", "32")
    assert r.headers["cache-control"] == "no-store"


def test_aggregated_discovery_when_asked_legacy_otherwise(api: Api) -> None:
    agg = api("GET", "/apis", accept="application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
                                      "application/json")
    assert agg.headers["content-type"].startswith("application/json;g=apidiscovery.k8s.io;v=v2")
    apps = next(g for g in agg.json["items"] if g["metadata"]["name"] == "apps")
    sts = next(r for r in apps["versions"][0]["resources"] if r["resource"] == "statefulsets")
    assert sts["shortNames"] == ["sts"]
    assert {"subresource": "scale", "responseKind": {"group": "autoscaling", "version": "v1", "kind": "Scale"},
            "verbs": ["get", "patch", "update"]} in sts["subresources"]
    legacy = api("GET", "/api/v1").json
    assert legacy["kind"] == "APIResourceList"
    assert "pods/exec" in {r["name"] for r in legacy["resources"]}
    assert api("GET", "/apis").json["kind"] == "APIGroupList"


def test_create_get_list_with_selectors_and_table(api: Api) -> None:
    r = api("POST", PODS, CM_POD)
    assert r.status == 201 and r.json["metadata"]["uid"]
    assert api("GET", f"{PODS}/solo").json["spec"]["containers"][0]["name"] == "c"
    names = [o["metadata"]["name"] for o in api("GET", f"{PODS}?labelSelector=app%3Dnginx").json["items"]]
    assert names == ["web-0", "web-1"]
    fs = api("GET", f"{PODS}?fieldSelector=metadata.name%3Dweb-1").json["items"]
    assert [o["metadata"]["name"] for o in fs] == ["web-1"]
    table = api("GET", f"{PODS}?labelSelector=app%3Dnginx",
                accept="application/json;as=Table;v=v1;g=meta.k8s.io,application/json").json
    assert table["kind"] == "Table"
    assert [c["name"] for c in table["columnDefinitions"] if c["priority"] == 0] == [
        "NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert table["rows"][0]["cells"][:3] == ["web-0", "1/1", "Running"]
    assert table["rows"][0]["object"]["metadata"]["name"] == "web-0"


def test_event_field_selectors_on_involved_object(api: Api) -> None:
    pod = api("GET", f"{PODS}/web-0").json
    q = (f"involvedObject.uid%3D{pod['metadata']['uid']}%2CinvolvedObject.name%3Dweb-0"
         "%2CinvolvedObject.namespace%3Ddefault")
    events = api("GET", f"/api/v1/namespaces/default/events?fieldSelector={q}").json["items"]
    assert events and {e["involvedObject"]["name"] for e in events} == {"web-0"}
    assert "Scheduled" in {e["reason"] for e in events}


def test_limit_and_continue_page_through_a_list(api: Api) -> None:
    first = api("GET", "/api/v1/events?limit=5").json
    assert len(first["items"]) == 5 and first["metadata"]["continue"]
    seen = [e["metadata"]["name"] for e in first["items"]]
    token = first["metadata"]["continue"]
    while token:
        page = api("GET", f"/api/v1/events?limit=5&continue={token}").json
        seen += [e["metadata"]["name"] for e in page["items"]]
        token = page["metadata"].get("continue")
    everything = [e["metadata"]["name"] for e in api("GET", "/api/v1/events").json["items"]]
    assert seen == everything


def test_update_with_a_stale_resource_version_is_a_conflict(api: Api, endpoint: Endpoint) -> None:
    sts = api("GET", f"{STS}/web").json
    sts["spec"]["replicas"] = 3
    ok = api("PUT", f"{STS}/web", sts)
    assert ok.status == 200 and ok.json["metadata"]["generation"] == 2
    before = state(endpoint)
    stale = api("PUT", f"{STS}/web", sts)
    assert stale.status == 409
    assert stale.json["reason"] == "Conflict"
    assert stale.json["message"] == ('Operation cannot be fulfilled on statefulsets.apps "web": the object has '
                                     'been modified; please apply your changes to the latest version and try again')
    assert state(endpoint) == before


def test_patch_types(api: Api) -> None:
    smp = api("PATCH", f"{STS}/web", {"spec": {"updateStrategy": {"rollingUpdate": {"partition": 1}}}},
              content_type="application/strategic-merge-patch+json")
    assert smp.json["spec"]["updateStrategy"]["rollingUpdate"]["partition"] == 1
    merge = api("PATCH", f"{STS}/web", {"metadata": {"labels": {"tier": "web"}}},
                content_type="application/merge-patch+json")
    assert merge.json["metadata"]["labels"] == {"tier": "web"}
    jp = api("PATCH", f"{STS}/web", [{"op": "replace", "path": "/spec/replicas", "value": 1}],
             content_type="application/json-patch+json")
    assert jp.json["spec"]["replicas"] == 1
    svc = "/api/v1/namespaces/default/services/nginx"
    once = api("PATCH", svc, {"metadata": {"labels": {"x": "1"}}}, content_type="application/merge-patch+json")
    noop = api("PATCH", svc, {"metadata": {"labels": {"x": "1"}}}, content_type="application/merge-patch+json")
    assert noop.json["metadata"]["resourceVersion"] == once.json["metadata"]["resourceVersion"]
    bad = api("PATCH", f"{STS}/web", {"spec": {}}, content_type="text/plain")
    assert bad.status == 415 and bad.json["reason"] == "UnsupportedMediaType"


def test_server_side_apply_creates_then_merges(api: Api) -> None:
    body = b"apiVersion: v1\nkind: Service\nmetadata:\n  name: ssa\nspec:\n  ports:\n  - port: 81\n"
    path = "/api/v1/namespaces/default/services/ssa?fieldManager=kubectl"
    created = api("PATCH", path, body, content_type="application/apply-patch+yaml")
    assert created.status == 201 and created.json["spec"]["ports"][0]["port"] == 81
    again = api("PATCH", path, b"metadata:\n  name: ssa\n  labels: {a: b}\n",
                content_type="application/apply-patch+yaml")
    assert again.json["metadata"]["labels"] == {"a": "b"}
    refused = api("PATCH", "/api/v1/namespaces/default/services/ssa", body,
                  content_type="application/apply-patch+yaml")
    assert refused.status == 400


def test_scale_subresource_is_an_autoscaling_scale(api: Api) -> None:
    scale = api("GET", f"{STS}/web/scale").json
    assert scale["kind"] == "Scale" and scale["apiVersion"] == "autoscaling/v1"
    assert scale["spec"] == {"replicas": 2}
    assert scale["status"] == {"replicas": 2, "selector": "app=nginx"}
    patched = api("PATCH", f"{STS}/web/scale", {"spec": {"replicas": 5}},
                  content_type="application/merge-patch+json").json
    assert patched["spec"]["replicas"] == 5
    assert api("GET", f"{STS}/web").json["spec"]["replicas"] == 5
    assert api("GET", f"{PODS}/web-0/scale").status == 404


def test_status_subresource_changes_only_status(api: Api) -> None:
    sts = api("GET", f"{STS}/web").json
    r = api("PATCH", f"{STS}/web/status", {"status": {"availableReplicas": 7}, "spec": {"replicas": 9}},
            content_type="application/merge-patch+json")
    assert r.status == 200
    assert r.json["status"]["availableReplicas"] == 7
    assert r.json["spec"]["replicas"] == sts["spec"]["replicas"]


def test_delete_is_graceful_and_takes_preconditions(api: Api) -> None:
    pod = api("GET", f"{PODS}/web-1").json
    wrong = api("DELETE", f"{PODS}/web-1", {"preconditions": {"uid": "nope"}})
    assert wrong.status == 409
    stale = api("DELETE", f"{PODS}/web-1", {"preconditions": {"resourceVersion": "1"}})
    assert stale.status == 409 and "Precondition failed: ResourceVersion in precondition: 1" in stale.json["message"]
    r = api("DELETE", f"{PODS}/web-1", {"propagationPolicy": "Background"})
    assert r.status == 200 and r.json["metadata"]["deletionTimestamp"]
    assert r.json["metadata"]["uid"] == pod["metadata"]["uid"]
    gone = api("DELETE", f"{PODS}/web-0?gracePeriodSeconds=0")
    assert gone.status == 200
    bad = api("DELETE", f"{STS}/web", {"propagationPolicy": "Sideways"})
    assert bad.status == 422


def test_deletecollection_deletes_what_the_selector_selects(api: Api) -> None:
    api("POST", PODS, CM_POD)
    r = api("DELETE", f"{PODS}?labelSelector=app%3Dsolo&gracePeriodSeconds=0")
    assert r.status == 200 and [o["metadata"]["name"] for o in r.json["items"]] == ["solo"]
    assert api("GET", f"{PODS}/solo").status == 404
    assert api("GET", f"{PODS}/web-0").status == 200


def test_errors_are_status_objects(api: Api) -> None:
    nf = api("GET", f"{PODS}/nope")
    assert nf.status == 404
    assert nf.json == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                       "message": 'pods "nope" not found', "reason": "NotFound",
                       "details": {"name": "nope", "kind": "pods"}, "code": 404}
    for path in ("/nope", "/api/v2", f"{PODS}/web-0/nope", f"{PODS}/web-0/log/extra", "/apis/apps/v1/widgets",
                 "/api/v1/nodes/k8s-w1/scale", "/api/v1/namespaces/default/nodes"):
        r = api("GET", path)
        assert r.status == 404, path
        assert r.json["kind"] == "Status" and r.json["message"] == "the server could not find the requested resource"
    dup = api("POST", STS, api("GET", f"{STS}/web").json)
    assert dup.status == 409 and dup.json["reason"] == "AlreadyExists"
    inv = api("POST", PODS, {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"}, "spec": {"containers": []}})
    assert inv.status == 422 and inv.json["details"]["causes"][0]["field"] == "spec.containers"
    unknown = api("POST", PODS, {**CM_POD, "metadata": {"name": "u"}, "spec": {**CM_POD["spec"], "bogus": 1}})
    assert unknown.status == 400 and 'unknown field "spec.bogus"' in unknown.json["message"]
    sel = api("GET", f"{PODS}?fieldSelector=spec.bogus%3D1")
    assert sel.status == 400 and sel.json["message"] == "field label not supported: spec.bogus"


def test_openapi_v3_lets_kubectl_validate_on_the_server(api: Api) -> None:
    index = api("GET", "/openapi/v3").json["paths"]
    url = index["apis/apps/v1"]["serverRelativeURL"]
    doc = api("GET", url).json
    op = doc["paths"]["/apis/apps/v1/namespaces/{namespace}/statefulsets/{name}"]["patch"]
    assert op["x-kubernetes-group-version-kind"] == {"group": "apps", "version": "v1", "kind": "StatefulSet"}
    assert "fieldValidation" in {p["name"] for p in op["parameters"]}
    sts = doc["components"]["schemas"]["io.k8s.api.apps.v1.StatefulSet"]
    assert "spec" in sts["properties"]
    assert api("GET", "/openapi/v2").json["swagger"] == "2.0"
