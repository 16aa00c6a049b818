"""The streams a shell command reads and writes, and the state a shell process holds.

``IO`` is one command's stdin/stdout/stderr; the sinks are the session's terminal (``Transcript``,
which counts the command's output budget), what ``$(...)`` captures (``Buffer``, held in memory),
a file (``FileSink``, buffered, bounded by the disk budget) and ``/dev/null`` (``Null``). ``State``
is what a subshell copies; ``Vars`` counts the characters variables hold.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import simk8s.node.shell.syntax as sx
from simk8s.node.shell.context import Input, Sink
from simk8s.node.shell.sandbox import Budget, DiskFull, Kill
from simk8s.node.vfs import FileSystem

__all__ = ["IO", "Buffer", "FileSink", "Null", "State", "Transcript", "Vars"]


class Buffer:
    """What ``$(...)`` captures: held in memory by the shell, so it counts against the budget."""

    def __init__(self, budget: Budget | None = None) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.budget = budget

    def write(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)
        if self.budget is not None:
            self.budget.step()
            self.budget.hold(self.size)

    def text(self) -> str:
        return "".join(self.parts)


class Transcript:
    """Top-level stream: keeps its own text and feeds the interleaved TTY view."""

    def __init__(self, shared: list[str], tty: bool = False,
                 budget: Callable[[], Budget] | None = None) -> None:
        self.own: list[str] = []
        self.shared = shared
        self.tty = tty
        self.budget = budget  # the budget of the command now running (the shell replaces it)

    def write(self, text: str) -> None:
        if self.budget is not None:
            budget = self.budget()
            room = budget.limits.output - budget.output
            if len(text) > room:  # what fits is shown; then the command is ended
                self.own.append(text[:max(room, 0)])
                self.shared.append(text[:max(room, 0)])
                raise Kill(15, f"printed more than {budget.limits.output} bytes", whole=True)
            budget.wrote(text)
        self.own.append(text)
        self.shared.append(text)


class Null:
    def write(self, text: str) -> None:
        pass


@dataclass
class FileSink:
    """A file opened for writing. Writes are buffered (as stdio buffers them) and reach the file
    system at 1 MiB and when the command ends; what one command writes to files is bounded by
    its budget's ``disk`` (then ENOSPC)."""

    fs: FileSystem
    path: str
    budget: Budget | None = None
    pending: list[str] = field(default_factory=list)
    buffered: int = 0

    def write(self, text: str) -> None:
        if text:
            if self.budget is not None:
                self.budget.step()
                if self.budget.disk + len(text) > self.budget.limits.disk:
                    raise DiskFull(28, "No space left on device")
                self.budget.disk += len(text)
            self.pending.append(text)
            self.buffered += len(text)
            if self.buffered >= 1 << 20:
                self.flush()

    def flush(self) -> None:
        if self.pending:
            data = "".join(self.pending)
            self.pending, self.buffered = [], 0
            self.fs.write(self.path, data, append=True)


@dataclass
class IO:
    input: Input
    out: Sink
    err: Sink
    files: tuple[FileSink, ...] = ()  # opened by this command's redirections: flushed when it ends

    def flush(self) -> None:
        for f in self.files:
            f.flush()


@dataclass
class State:
    vars: dict[str, str]
    exported: set[str]
    cwd: str
    params: list[str] = field(default_factory=list)
    status: int = 0
    funcs: dict[str, sx.Node] = field(default_factory=dict)

    def copy(self) -> State:
        return State(Vars(self.vars.limit, self.vars) if isinstance(self.vars, Vars) else dict(self.vars),
                      set(self.exported), self.cwd, list(self.params), self.status, dict(self.funcs))


class Vars(dict[str, str]):
    """Shell variables, counting the characters they hold: past ``limit`` the OOM killer comes."""

    def __init__(self, limit: int, items: Mapping[str, str] | None = None) -> None:
        super().__init__(items or {})
        self.limit = limit
        self.held = sum(len(v) for v in self.values())

    def __setitem__(self, key: str, value: str) -> None:
        self.held += len(value) - len(self.get(key, ""))
        super().__setitem__(key, value)
        if self.held > self.limit:
            raise Kill(9, f"variables hold more than {self.limit} characters")

    def __delitem__(self, key: str) -> None:
        self.held -= len(self.get(key, ""))
        super().__delitem__(key)

    def pop(self, key: str, *default: Any) -> Any:
        self.held -= len(self.get(key, ""))
        return super().pop(key, *default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        for k, v in dict(*args, **kwargs).items():
            self[k] = v

    def setdefault(self, key: str, default: Any = "") -> Any:
        if key not in self:
            self[key] = default
        return self[key]
