"""Shared helpers: a shell over an nginx-like container with the coreutils installed."""

from __future__ import annotations

from typing import Any

import pytest

from simk8s.node.shell import Shell
from simk8s.node.shell.registry import all_commands
from simk8s.node.vfs import ContainerFS, MemFS


def _make_shell(dialect: str = "dash", hostname: str = "web-0", services: Any = None,
               volume: MemFS | None = None, sh_dialect: str = "dash") -> Shell:
    fs = ContainerFS({"/etc/hostname": f"{hostname}\n", "/root/.keep": "", "/tmp/.keep": ""},
                     {"/usr/share/nginx/html": volume if volume is not None else MemFS()})
    return Shell(all_commands(), fs, {"HOME": "/root", "PATH": "/usr/bin:/bin"}, dialect,
                 hostname, services, sh_dialect=sh_dialect)


@pytest.fixture
def make_shell() -> Any:
    """Factory: ``make_shell(dialect="dash", hostname="web-0", services=None, volume=None)``."""
    return _make_shell
