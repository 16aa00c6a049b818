"""What a command sees when it runs: arguments, streams, environment, file system, services."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from simk8s.node.vfs import FileSystem, normalize

__all__ = ["Command", "CommandContext", "Input", "Interpreter", "Interrupt", "Result", "Sink"]


class Interrupt(Exception):
    """Ctrl-C: a service (say ``sleep`` when the scenario moves on) raises it to stop the
    foreground job. A script dies with status 130; an interactive shell returns to its prompt."""


@dataclass(frozen=True)
class Result:
    """The outcome of a script: separate streams, their interleaving as a TTY shows it, exit code."""

    stdout: str
    stderr: str
    code: int
    output: str = ""  # stdout and stderr interleaved in write order (what `kubectl exec -t` shows)


class Sink(Protocol):
    def write(self, text: str) -> None: ...


@dataclass
class Input:
    """A readable stream shared by the commands of one shell (the first reader consumes it).

    With a ``budget`` (:class:`simk8s.node.shell.sandbox.Budget`), reading costs steps in proportion
    to the work a tool then does per line, so re-reading a big input in a loop ends by the budget.
    """

    text: str = ""
    pos: int = 0
    budget: Any = field(default=None, repr=False, compare=False)

    def charge(self, steps: int) -> None:
        if self.budget is not None:
            self.budget.step(steps)

    def read_all(self) -> str:
        out = self.text[self.pos:]
        self.pos = len(self.text)
        self.charge(1 + len(out) // 128)
        return out

    def read_line(self) -> str | None:
        """The next line without its newline, or None at end of input."""
        if self.pos >= len(self.text):
            return None
        end = self.text.find("\n", self.pos)
        end = len(self.text) if end < 0 else end
        line = self.text[self.pos:end]
        self.pos = end + 1
        return line

    def iter_chunks(self) -> Iterator[str]:
        """The rest of the input piece by piece (a pipe streams: see :mod:`simk8s.node.shell.sandbox`)."""
        while self.pos < len(self.text):
            piece = self.text[self.pos:self.pos + 65536]
            self.pos += len(piece)
            self.charge(1)
            yield piece

    def iter_lines(self) -> Iterator[str]:
        """The rest of the input line by line, each with its newline (the last maybe without)."""
        tail: list[str] = []
        held = 0
        for piece in self.iter_chunks():
            if "\n" not in piece:
                tail.append(piece)
                held += len(piece)
                self.holding(held)
                continue
            lines = piece.split("\n")
            lines[0] = "".join(tail) + lines[0]
            last = lines.pop()
            tail, held = [last], len(last)
            self.charge(1 + len(lines) // 16)  # the reader's work per line is Python's
            for line in lines:
                yield line + "\n"
        if tail and tail != [""]:
            yield "".join(tail)

    def holding(self, size: int) -> None:
        """A reader now holds ``size`` characters of one line (a pipe checks its memory budget)."""


class Limits(Protocol):
    """What a command reads of its budget's limits (:class:`simk8s.node.shell.sandbox.Limits`)."""

    @property
    def memory(self) -> int: ...


class Meter(Protocol):
    """The running budget a command charges its work to (:class:`simk8s.node.shell.sandbox.Budget`)."""

    def step(self, n: int = 1) -> None: ...


class Interpreter(Protocol):
    """The shell a command runs in, as commands see it (:class:`simk8s.node.shell.interp.Shell`):
    builtins change its state, tools read its flavour, ``sh -c`` starts a child of it."""

    dialect: str
    sh_dialect: str  # what ``sh`` means in this image: dash, or busybox's ash
    hostname: str
    name: str  # $0
    fs: FileSystem
    params: list[str]
    options: set[str]
    aliases: dict[str, str]
    interactive_mode: bool
    in_function: int

    @property
    def commands(self) -> Mapping[str, Command]: ...

    @property
    def builtins(self) -> Mapping[str, Any]: ...

    @property
    def cwd(self) -> str: ...

    @property
    def status(self) -> int: ...

    @property
    def limits(self) -> Limits: ...

    @property
    def budget(self) -> Meter: ...

    def diag(self, msg: str, command: str = "") -> str: ...

    def not_found_message(self, name: str) -> str: ...

    def get(self, name: str) -> str | None: ...

    def set(self, name: str, value: str, export: bool = False) -> None: ...

    def unset(self, name: str) -> None: ...

    def variables(self) -> Mapping[str, str]: ...

    def environ(self) -> dict[str, str]: ...

    def chdir(self, path: str) -> None: ...

    def lookup(self, name: str) -> Command | None: ...

    def run_into(self, script: str, *, ctx: CommandContext) -> int: ...

    def child(self, dialect: str, name: str | None = None) -> Interpreter: ...


@dataclass
class CommandContext:
    """One command invocation.

    ``argv[0]`` is the command name as typed. Reading :attr:`stdin` consumes the input stream
    (as ``cat`` would); :meth:`read_line` takes one line. ``env`` holds the exported variables;
    ``cwd`` is absolute. ``services`` is whatever the caller handed the shell (DNS, HTTP, clock,
    cluster); tools look up the hooks they need with ``getattr`` and degrade when absent.
    """

    argv: list[str]
    input: Input
    stdout: Sink
    stderr: Sink
    env: dict[str, str]
    fs: FileSystem
    cwd: str
    shell: Interpreter
    services: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def stdin(self) -> str:
        return self.input.read_all()

    def read_line(self) -> str | None:
        return self.input.read_line()

    def out(self, text: str) -> None:
        self.stdout.write(text)

    def err(self, text: str) -> None:
        self.stderr.write(text)

    def path(self, p: str) -> str:
        """``p`` made absolute against the working directory."""
        return normalize(p, self.cwd)

    @property
    def name(self) -> str:
        return self.argv[0].rsplit("/", 1)[-1]

    def isatty(self, stream: Sink) -> bool:
        """True when ``stream`` is the session's terminal (``kubectl exec -t``), not a pipe/file."""
        return bool(getattr(stream, "tty", False))

    def service(self, attr: str) -> Any:
        """``services.<attr>`` or None when the caller did not provide it."""
        return getattr(self.services, attr, None)


Command = Callable[[CommandContext], int]
