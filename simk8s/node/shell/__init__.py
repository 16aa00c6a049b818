"""A POSIX sh subset for simulated hosts and containers (dash, busybox ash, bash and zsh flavours).

``Shell(commands, fs, env, dialect=..., hostname=...)`` runs scripts (:meth:`Shell.run`), single
programs without a shell (:meth:`Shell.exec_argv`, for ``kubectl exec pod -- curl ...``) or a
scripted terminal session (:meth:`Shell.interactive`) against a simulated file system; it never
touches the real OS. Commands are plain callables taking a :class:`CommandContext`;
:func:`simk8s.node.shell.registry.all_commands` has the built-in tool set and
:meth:`simk8s.node.images.ImageSpec.shell` builds the shell an image would run.

Tools reach the rest of the simulation only through the ``services`` object given to the shell,
looking up the hooks they need (all optional):

- ``now() -> float`` epoch seconds (``date``, ``ls -l``); ``sleep(seconds)`` (``sleep``; may raise
  :class:`Interrupt` to model Ctrl-C); ``pod_ip``, ``kernel_release`` (``hostname -i``, ``uname``);
- ``resolve_host(name) -> ip | None`` and ``http(ip, port, method, path) -> (status, headers, body)
  | None`` (``curl``, ``wget``; ``None`` means connection refused, ``127.0.0.1`` the container);
- ``dns_tool(argv) -> (stdout, stderr, code)`` (``nslookup``, ``dig``, ``host``, ``getent``).
"""

from simk8s.node.shell.context import Command, CommandContext, Input, Interrupt, Result
from simk8s.node.shell.control import ExitShell
from simk8s.node.shell.interp import DIALECTS, Shell
from simk8s.node.shell.syntax import ParseError, parse

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
