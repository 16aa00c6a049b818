"""Control flow that unwinds the interpreter: ``exit``, ``break``/``continue`` and ``return``.

The builtins raise these and the interpreter catches them at the (sub)shell, loop and function
boundaries; neither needs the other to know them.
"""

from __future__ import annotations

__all__ = ["ExitShell", "LoopControl", "ReturnFromFunction"]


class ExitShell(Exception):
    """``exit N`` (or a fatal error): unwinds to the nearest (sub)shell boundary."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class LoopControl(Exception):
    """``break N`` / ``continue N``."""

    def __init__(self, kind: str, levels: int) -> None:
        super().__init__(kind, levels)
        self.kind = kind
        self.levels = levels


class ReturnFromFunction(ExitShell):
    """``return N``: ends the function (outside one it ends the script, as in dash)."""
