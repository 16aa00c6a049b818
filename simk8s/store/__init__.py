"""The object store: the etcd + API server analogue, and the only state of a cluster.

:class:`~simk8s.store.store.Store` holds the objects and runs every write through the API rules;
:mod:`~simk8s.store.watch` is what it announces, :mod:`~simk8s.store.tables` how it keeps the
objects of a kind, :mod:`~simk8s.store.requests` how it reads a request body. Around it, the
API server's other parts: the default admission chain (:mod:`~simk8s.store.admission`), the
event recorder (:mod:`~simk8s.store.events`), the RBAC authorizer (:mod:`~simk8s.store.authz`)
and ``kubectl apply``'s client side (:mod:`~simk8s.store.apply`).
"""

from simk8s.store.store import COPIER, DEFAULT_EPOCH, Store
from simk8s.store.watch import Admission, WatchEvent

__all__ = ["COPIER", "DEFAULT_EPOCH", "Admission", "Store", "WatchEvent"]
