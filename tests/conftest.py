"""The toolkit's pytest plugin, for runs from a checkout that is not installed (PYTHONPATH=.):
installed, the package's entry point loads it as well (registering twice is harmless)."""

from typing import Any

import pytest

from simk8s.testing.profiles import register_profiles


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: Any) -> None:
    register_profiles()
