"""pytest plugin (entry point ``simk8s``): registers the toolkit's hypothesis profiles before
hypothesis's own plugin reads ``--hypothesis-profile``."""

from __future__ import annotations

from typing import Any

import pytest

from simk8s.testing.profiles import register_profiles

__all__ = ["pytest_configure"]


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: Any) -> None:
    register_profiles()
