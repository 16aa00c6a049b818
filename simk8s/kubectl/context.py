"""What every kubectl verb is handed: one invocation's :class:`Context`, and the :class:`CommandError`
it raises to print ``error: <message>``. Below the verbs, which import it; above nothing of kubectl."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from simk8s.kubectl.args import Args
from simk8s.logic.rbac import User
from simk8s.store.authz import ADMIN, AuthorizedStore

if TYPE_CHECKING:
    from simk8s.cluster import Cluster

__all__ = ["VERSION", "CommandError", "Context"]

VERSION = "v1.32.0"


class CommandError(Exception):
    """A kubectl failure printed as ``error: <message>`` (exit 1)."""


@dataclass
class Context:
    """One kubectl invocation: the cluster, its parsed args, where output goes, and watch options."""

    cluster: Cluster
    args: Args
    verb: str
    out: Any
    stdin: str = ""
    watch_for: float | None = None
    interactive: Any = None
    files: Any = None
    cwd: str = "/root"
    #: Who the API server thinks is asking: kubeadm's admin unless ``--as`` says otherwise.
    user: User = ADMIN

    @property
    def namespace(self) -> str:
        return self.args.get("namespace") or "default"

    @property
    def all_namespaces(self) -> bool:
        return self.args.bool("all-namespaces")

    def authorize(self, verb: str, kind: Any, name: str = "", subresource: str = "",
                  namespace: str | None = None) -> None:
        """Authorize a request ahead of the store calls that carry it out (``pods/exec``, ``pods/log``,
        a delete), in ``namespace`` (this command's by default)."""
        store = self.cluster.store
        if isinstance(store, AuthorizedStore):
            store.check(verb, kind, self.namespace if namespace is None else namespace, name, subresource)
