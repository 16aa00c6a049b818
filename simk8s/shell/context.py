"""What a command sees when it runs: arguments, streams, environment, file system, services."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from simk8s.vfs import FileSystem, normalize

if TYPE_CHECKING:
    from simk8s.shell.interp import Shell

__all__ = ["Command", "CommandContext", "Input", "Interrupt", "Result", "Sink"]


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

    With a ``budget`` (:class:`simk8s.shell.sandbox.Budget`), reading costs steps in proportion
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
        """The rest of the input piece by piece (a pipe streams: see :mod:`simk8s.shell.sandbox`)."""
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
    shell: Shell
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
