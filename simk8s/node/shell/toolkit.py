"""What the external tools share: GNU/busybox option parsing, wording and reading operands.

A tool is a plain function of a :class:`~simk8s.node.shell.context.CommandContext`; :func:`tool`
wraps it so a bad option (:class:`Usage`) ends it with the implementation's usage status.
A busybox image (``sh_dialect == "ash"``) gets busybox wording, everything else GNU's in the C
locale.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from simk8s.node.shell.context import Command, CommandContext, Input

__all__ = ["Usage", "busybox", "now", "parse_opts", "read_inputs", "sources", "tool", "why"]


def busybox(ctx: CommandContext) -> bool:
    """True in a busybox image: tools word their messages as busybox does."""
    return ctx.shell.sh_dialect == "ash"


def now(ctx: CommandContext) -> float:
    """Epoch seconds from the simulation's clock (``services.now``), 0 without one."""
    clock = ctx.service("now")
    return float(clock()) if callable(clock) else 0.0


def why(e: OSError) -> str:
    """The C library's text for a failed file operation."""
    return e.strerror or "Input/output error"


class Usage(Exception):
    """A bad option, already reported: :func:`tool` ends the command with its usage status."""


def parse_opts(ctx: CommandContext, flags: str, with_value: str = "") -> tuple[dict[str, str], list[str]]:
    """Split ``argv[1:]`` into short options and operands (``-abc``, ``-n 5``, ``-n5``, ``--``).

    ``-5`` style numbers are returned under ``"#"``. An unknown option prints the GNU/busybox
    complaint and raises :class:`Usage`.
    """
    opts: dict[str, str] = {}
    rest: list[str] = []
    args = ctx.argv[1:]
    i = 0
    while i < len(args):
        a = args[i]
        i += 1
        if a == "--":
            rest.extend(args[i:])
            break
        if not a.startswith("-") or a == "-":
            rest.append(a)
            continue
        if a[1:].isdigit() and "#" in flags:
            opts["#"] = a[1:]
            continue
        j = 1
        while j < len(a):
            f = a[j]
            if f in with_value:
                value = a[j + 1:] or (args[i] if i < len(args) else "")
                if not a[j + 1:]:
                    i += 1
                opts[f] = value
                break
            if f not in flags:
                if busybox(ctx):  # busybox follows this line with the applet's usage text
                    ctx.err(f"{ctx.name}: invalid option -- '{f}'\n")
                else:
                    ctx.err(f"{ctx.name}: invalid option -- '{f}'\n"
                            f"Try '{ctx.name} --help' for more information.\n")
                raise Usage
            opts[f] = ""
            j += 1
    return opts, rest


def tool(fn: Callable[[CommandContext], int], usage_status: int = 1) -> Command:
    """``fn`` as a command: a :class:`Usage` error ends it with ``usage_status`` (GNU) or 1
    (busybox)."""
    def run(ctx: CommandContext) -> int:
        try:
            return fn(ctx)
        except Usage:
            return 1 if busybox(ctx) else usage_status
    run.__doc__ = fn.__doc__
    return run


def read_inputs(ctx: CommandContext, files: list[str], program: str) -> Iterable[tuple[str, str | None]]:
    """(name, text) per operand, ``-``/none meaning stdin; text None after printing an error."""
    for name, source in sources(ctx, files, program):
        yield name, None if source is None else source.read_all()


def sources(ctx: CommandContext, files: list[str], program: str) -> Iterable[tuple[str, Input | None]]:
    """(name, input) per operand, ``-``/none meaning stdin, which streams from a pipe (read it
    with ``iter_chunks``/``iter_lines`` to hold only a piece at a time); None after an error."""
    for name in files or ["-"]:
        if name == "-":
            yield name, ctx.input
            continue
        try:
            yield name, Input(ctx.fs.read(ctx.path(name)), budget=ctx.shell.budget)
        except OSError as e:
            if program in ("head", "tail") and not busybox(ctx):
                ctx.err(f"{program}: cannot open '{name}' for reading: {why(e)}\n")
            elif program == "sort" and not busybox(ctx):
                ctx.err(f"sort: cannot read: {name}: {why(e)}\n")
            elif busybox(ctx) and e.errno == 21:
                ctx.err(f"{program}: read error: {why(e)}\n")
            elif busybox(ctx) and program in ("cat", "tail"):
                ctx.err(f"{program}: can't open '{name}': {why(e)}\n")
            else:
                ctx.err(f"{program}: {name}: {why(e)}\n")
            yield name, None
