"""The toolkit's pytest plugin, for runs from a checkout that is not installed (PYTHONPATH=.):
installed, the package's entry point loads it as well (registering twice is harmless).

Suite-wide, a quarter of the tests (a fixed share, chosen by test id) run in the simulator's debug
mode, where every trusted write is also validated (``simk8s.fastpaths``); ``SIMK8S_DEBUG=1`` turns
it on for all of them."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any

import pytest

from simk8s.fastpaths import FAST, fast_paths
from simk8s.testing.profiles import register_profiles


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: Any) -> None:
    register_profiles()


@pytest.fixture(autouse=True)
def _debug_share(request: pytest.FixtureRequest) -> Iterator[None]:
    if FAST.verify_trusted or zlib.crc32(request.node.nodeid.encode()) % 4:
        yield
        return
    with fast_paths(verify_trusted=True):
        yield
