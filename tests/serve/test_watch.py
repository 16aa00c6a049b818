"""Watch over HTTP: resume from a resourceVersion, selectors, Tables, bookmarks, 410, timeouts."""

from __future__ import annotations

import threading

from simk8s import Cluster
from simk8s.serve import Endpoint
from tests.serve.conftest import Api

PODS = "/api/v1/namespaces/default/pods"
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


def test_watch_from_a_version_replays_what_followed(api: Api, endpoint: Endpoint) -> None:
    rv = api("GET", PODS).json["metadata"]["resourceVersion"]
    r = api("DELETE", f"{PODS}/web-1")
    assert r.status == 200
    endpoint.call(endpoint.cluster.settle)
    events = api.lines(f"{PODS}?watch=true&resourceVersion={rv}&timeoutSeconds=1")
    web1 = [(e["type"], e["object"]["metadata"]["name"]) for e in events
            if e["object"]["metadata"]["name"] == "web-1"]
    assert web1[0] == ("MODIFIED", "web-1")               # deletionTimestamp set
    assert ("DELETED", "web-1") in web1
    assert web1[-1] == ("MODIFIED", "web-1") or web1[-1][0] in ("ADDED", "MODIFIED")   # recreated
    assert all(e["object"]["kind"] == "Pod" and e["object"]["apiVersion"] == "v1" for e in events)
    versions = [int(e["object"]["metadata"]["resourceVersion"]) for e in events]
    assert versions == sorted(versions) and versions[0] > int(rv)


def test_watch_without_a_version_starts_with_the_current_objects(api: Api) -> None:
    events = api.lines(f"{PODS}?watch=1&labelSelector=app%3Dnginx&timeoutSeconds=1")
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [("ADDED", "web-0"), ("ADDED", "web-1")]


def test_objects_leaving_a_selection_are_deleted_for_the_watcher(api: Api, endpoint: Endpoint) -> None:
    rv = api("GET", PODS).json["metadata"]["resourceVersion"]
    api("PATCH", f"{PODS}/web-0", {"metadata": {"labels": {"app": "other"}}},
        content_type="application/merge-patch+json")
    events = api.lines(f"{PODS}?watch=true&labelSelector=app%3Dnginx&resourceVersion={rv}&timeoutSeconds=1")
    assert ("DELETED", "web-0") in [(e["type"], e["object"]["metadata"]["name"]) for e in events]


def test_table_watch_sends_column_definitions_once(api: Api) -> None:
    events = api.lines(f"{PODS}?watch=true&timeoutSeconds=1", accept=TABLE)
    assert [e["object"]["kind"] for e in events] == ["Table", "Table"]
    assert events[0]["object"]["columnDefinitions"] and not events[1]["object"]["columnDefinitions"]
    assert events[1]["object"]["rows"][0]["cells"][:3] == ["web-1", "1/1", "Running"]


def test_too_old_a_version_is_410_gone(api: Api, endpoint: Endpoint) -> None:
    c: Cluster = endpoint.cluster
    endpoint.call(lambda: c.store.compact(3))
    events = api.lines(f"{PODS}?watch=true&resourceVersion=5&timeoutSeconds=5")
    assert len(events) == 1 and events[0]["type"] == "ERROR"
    status = events[0]["object"]
    assert (status["kind"], status["code"], status["reason"]) == ("Status", 410, "Expired")
    assert status["message"].startswith("too old resource version: 5 (")


def test_bookmarks_carry_the_current_version(web_cluster: Cluster) -> None:
    with web_cluster.serve(speed=None, bookmark_interval=0.2) as ep:
        api = Api(ep)
        rv = api("GET", PODS).json["metadata"]["resourceVersion"]
        events = api.lines(f"{PODS}?watch=true&allowWatchBookmarks=true&resourceVersion={rv}&timeoutSeconds=1")
    marks = [e for e in events if e["type"] == "BOOKMARK"]
    assert marks and marks[0]["object"] == {"kind": "Pod", "apiVersion": "v1",
                                            "metadata": {"resourceVersion": marks[0]["object"]["metadata"][
                                                "resourceVersion"]}}


def test_a_watch_sees_changes_made_while_it_runs(api: Api, endpoint: Endpoint) -> None:
    rv = api("GET", PODS).json["metadata"]["resourceVersion"]
    result: list[list[dict[str, object]]] = []
    reader = threading.Thread(target=lambda: result.append(
        api.lines(f"{PODS}?watch=true&resourceVersion={rv}&timeoutSeconds=3")))
    reader.start()
    api("POST", PODS, {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "late"},
                       "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
    reader.join()
    late = [e["type"] for e in result[0] if e["object"]["metadata"]["name"] == "late"]  # type: ignore[index]
    assert late[0] == "ADDED" and "MODIFIED" in late


def test_watch_parameters_are_checked(api: Api) -> None:
    assert api("GET", f"{PODS}?watch=true&resourceVersion=abc").status == 400
    assert api("GET", f"{PODS}?watch=true&timeoutSeconds=soon").status == 400


def test_watching_one_object_by_its_url_is_a_name_field_selector(api: Api) -> None:
    for path in (f"{PODS}/web-0?watch=true&timeoutSeconds=1", "/api/v1/watch/namespaces/default/pods/web-0"
                 "?timeoutSeconds=1", f"{PODS}/web-0?watch=1&fieldSelector=metadata.name%3Dweb-0&timeoutSeconds=1"):
        events = api.lines(path)
        assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [("ADDED", "web-0")], path
    r = api("GET", f"{PODS}/web-0?watch=true&fieldSelector=metadata.name%3Dweb-1&timeoutSeconds=1")
    assert (r.status, r.json["message"]) == (400, "fieldSelector metadata.name doesn't match requested name")
