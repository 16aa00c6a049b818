"""A request too large for a float (a valid quantity such as ``1e400``) leaves the pod Pending."""

from simk8s import Cluster

POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "huge"},
       "spec": {"containers": [{"name": "c", "image": "busybox", "command": ["sleep", "3600"],
                                "resources": {"requests": {"memory": "1e400"}}}]}}


def test_a_request_beyond_a_float_fits_no_node() -> None:
    c = Cluster()
    c.apply(POD)
    c.run(10)
    pod = c.get("pods", "huge")
    assert pod["status"]["phase"] == "Pending"
    assert "Insufficient memory" in pod["status"]["conditions"][0]["message"]
