"""CustomResourceDefinitions and the custom resources they define.

:mod:`.definition` is the definition itself (defaults, validation, accepted names, the
:class:`~simk8s.api.crd.definition.CustomKind` it serves); :mod:`.schema` the structural schema
operations on a custom resource (pruning, defaulting, validation); :mod:`.objects` the API server's
strategy for custom resources (status and scale subresources).
"""

from simk8s.api.crd.definition import CRD, CustomKind

__all__ = ["CRD", "CustomKind"]
