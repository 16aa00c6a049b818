"""A POSIX sh subset for simulated hosts and containers (dash, busybox ash, bash and zsh flavours).

``Shell(commands, fs, env, dialect=..., hostname=...)`` runs scripts (:meth:`Shell.run`) or a
scripted terminal session (:meth:`Shell.interactive`) against a simulated file system; it never
touches the real OS. Commands are plain callables taking a :class:`CommandContext`.
"""

from simk8s.shell.context import Command, CommandContext, Input, Interrupt, Result
from simk8s.shell.interp import DIALECTS, ExitShell, Shell
from simk8s.shell.syntax import ParseError, parse

__all__ = [
    "DIALECTS",
    "Command",
    "CommandContext",
    "ExitShell",
    "Input",
    "Interrupt",
    "ParseError",
    "Result",
    "Shell",
    "parse",
]
