"""simk8s: a discrete-event simulator of Kubernetes StatefulSets, storage and headless-service DNS."""

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

__version__ = "0.1.0"

__all__ = [
    "AlreadyExists",
    "ApiError",
    "BadRequest",
    "Conflict",
    "Expired",
    "FieldError",
    "Forbidden",
    "InternalError",
    "Invalid",
    "MethodNotAllowed",
    "NotFound",
    "__version__",
]
