"""simk8s: a discrete-event simulator of Kubernetes StatefulSets, storage and headless-service DNS.

``Cluster`` is the entry point; see the README for a tour.
"""

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
from simk8s.cluster import Cluster, NodeSpec, NotSettled, Topology
from simk8s.timing import Timing

__version__ = "0.1.0"

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
