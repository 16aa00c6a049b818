"""simk8s: a discrete-event simulator of Kubernetes StatefulSets, storage and headless-service DNS.

``Cluster`` is the entry point; see the README for a tour, and docs/api.md for the public API.
"""

from typing import Any

from simk8s.api.errors import (
    AlreadyExists,
    ApiError,
    BadRequest,
    Conflict,
    Expired,
    FieldError,
    Forbidden,
    InternalError,
    Invalid,
    MethodNotAllowed,
    NotFound,
)
from simk8s.cluster import Cluster, NotSettled, attach
from simk8s.core import NodeSpec, Timing, Topology
from simk8s.kubectl import run_kubectl
from simk8s.viz import cluster_html

__version__ = "0.1.0"


def _serve(cluster: Cluster, **options: Any) -> Any:
    # aiohttp is an optional dependency (the serve extra): the face loads only when a cluster serves.
    from simk8s.serve import Endpoint

    return Endpoint(cluster, **options)


# The faces attach to the facade (which never imports them): see simk8s.cluster.attach.
attach("kubectl", run_kubectl)
attach("html", cluster_html)
attach("serve", _serve)

__all__ = [
    "AlreadyExists",
    "ApiError",
    "BadRequest",
    "Cluster",
    "Conflict",
    "Expired",
    "FieldError",
    "Forbidden",
    "InternalError",
    "Invalid",
    "MethodNotAllowed",
    "NodeSpec",
    "NotFound",
    "NotSettled",
    "Timing",
    "Topology",
    "__version__",
]
