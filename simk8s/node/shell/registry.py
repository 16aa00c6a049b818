"""The command tables an image's shell is built from: every implemented tool, by name.

:func:`all_commands` assembles the tool modules' tables (the coreutils, the text tools, the
network tools); an image exposes only the names in its tool set (:func:`commands_for`).
"""

from __future__ import annotations

from collections.abc import Iterable

from simk8s.node.shell.context import Command
from simk8s.node.shell.coreutils import COMMANDS as _OTHER_COREUTILS
from simk8s.node.shell.filetools import COMMANDS as _FILE_TOOLS
from simk8s.node.shell.net import COMMANDS as _NET
from simk8s.node.shell.textutils import COMMANDS as _TEXT

__all__ = ["COREUTILS", "all_commands", "commands_for"]

COREUTILS: dict[str, Command] = {**_FILE_TOOLS, **_OTHER_COREUTILS}
"""The coreutils: file tools, system information, ``sh`` and the ``/bin`` twins of builtins."""


def all_commands() -> dict[str, Command]:
    """Every implemented tool: the coreutils, the text tools and the network tools."""
    return {**COREUTILS, **_TEXT, **_NET}


def commands_for(tools: Iterable[str]) -> dict[str, Command]:
    """The implementations of ``tools`` (names with no implementation here are skipped)."""
    table = all_commands()
    return {name: table[name] for name in tools if name in table}
