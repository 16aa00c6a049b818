"""Switches for the simulator's fast paths, and the debug mode that checks them.

Every fast path must leave a run byte-identical (same objects, versions and order in the watch
log, same transcript): ``tests/test_fastpaths.py`` runs a scenario with all of them off and on
and compares. With ``verify_trusted`` (``SIMK8S_DEBUG=1`` in the environment, or a share of the
test suite's runs) every write the simulator trusts (its own objects, stored without the API
server's validation) is validated as a user's would be, and a refusal is a bug, raised at once.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields

__all__ = ["FAST", "FastPaths", "fast_paths"]


@dataclass
class FastPaths:
    #: A new cluster's objects inserted from per-topology templates (``Cluster._bootstrap``).
    trusted_bootstrap: bool = True
    #: Facts remembered about unchanged (frozen, so identical) objects: the StatefulSet planner's
    #: ``PlanMemo``, the scheduler's per-node filter and score, the endpoints controller's entries,
    #: the answers each Service keeps in the DNS view.
    memos: bool = True
    #: The DNS view kept from watch events (off: built afresh from the store after each change).
    dns_view: bool = True
    #: Debug: validate every trusted write (Store.create_trusted, replace_trusted, set_status).
    verify_trusted: bool = os.environ.get("SIMK8S_DEBUG", "") not in ("", "0")


#: The switches in force (module state: the test suite and benches flip them).
FAST = FastPaths()


@contextmanager
def fast_paths(**switches: bool) -> Iterator[FastPaths]:
    """Set some switches for the duration of a ``with`` block: ``fast_paths(memos=False)``."""
    names = {f.name for f in fields(FastPaths)}
    unknown = set(switches) - names
    if unknown:
        raise TypeError(f"unknown fast paths: {sorted(unknown)}")
    before = {name: getattr(FAST, name) for name in switches}
    for name, value in switches.items():
        setattr(FAST, name, value)
    try:
        yield FAST
    finally:
        for name, value in before.items():
            setattr(FAST, name, value)
