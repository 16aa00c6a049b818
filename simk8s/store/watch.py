"""What the store announces: one watch event per write (the watch log), and the admission hook."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from simk8s.api.frozen import FrozenDict
from simk8s.api.kinds import Kind

__all__ = ["Admission", "WatchEvent"]


@dataclass(frozen=True)
class WatchEvent:
    """One entry of the watch log: ``type`` is ADDED, MODIFIED or DELETED."""

    rv: int
    type: str
    kind: Kind
    obj: FrozenDict
    old: FrozenDict | None = None
    t: float = 0.0

    def __deepcopy__(self, memo: dict[int, Any]) -> WatchEvent:
        return self    # immutable: a forked store shares its history

    @property
    def key(self) -> tuple[str, str]:
        meta = self.obj["metadata"]
        return meta.get("namespace", ""), meta["name"]


class Admission(Protocol):
    """A mutating admission plugin: changes a mutable (thawed) object before validation.

    ``operation`` is ``CREATE`` or ``UPDATE``; ``old`` is the stored object on update. Raising an
    :class:`ApiError` refuses the request.
    """

    def __call__(self, operation: str, kind: Kind, obj: dict[str, Any], old: Mapping[str, Any] | None) -> None: ...
