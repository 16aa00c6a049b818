"""The shell's sandbox: budgets a command line runs on, and pipes that stream between stages.

A simulated shell runs inside the host process, so nothing a user types may take that process
down. Each top-level command (one :meth:`Shell.run`, one interactive line, one ``kubectl exec``)
gets a :class:`Budget` from its shell's :class:`Limits`; the shells it starts (``sh -c``,
subshells, pipeline stages) share it. Running past a limit ends the command the way a real
system would end it, with the status a pod would show:

- **steps** (commands run, loop turns, writes, blocks a tool produces): the command is killed as a
  timeout kills it, SIGTERM, status 143 (an endless loop);
- **output** bytes printed by the command: the same (a reader that stops reading);
- **memory** held by one process's variables, expansions or buffers (characters): the kernel's
  OOM killer, SIGKILL, status 137 (``x=$x$x`` forever, ``$(yes)``);
- **disk**: characters written to files: the write fails with ENOSPC, which the tool reports;
- **depth** of nested function calls, ``eval``, ``.`` and ``sh -c`` (or the interpreter's own
  stack running low first): a stack overflow, SIGSEGV, status 139, as dash, ash and bash die of
  unbounded recursion; zsh refuses with its FUNCNEST message, and bash does when ``FUNCNEST`` is set.

Pipelines stream: every stage runs as a coroutine on its own thread, and exactly one of them runs
at any moment (the others wait for the baton), so a run is as deterministic as a sequential one.
A :class:`Pipe` holds at most ``Limits.pipe`` characters (64 KiB as on Linux); a writer facing a
full pipe hands the baton to its reader, a reader facing an empty one to its writer. A stage that
ends closes its ends: its reader then sees end of file, its writer dies of SIGPIPE (141). Small
outputs fit a pipe whole, so stages then run one after the other exactly as before streaming.
"""

from __future__ import annotations

import sys
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from simk8s.node.shell.context import Input

__all__ = ["Baton", "BrokenPipe", "Budget", "DiskFull", "Kill", "Limits", "Pipe", "run_stages"]

_STACK_FRAMES = 600  # interpreter frames a shell may use before it counts as a stack overflow


@dataclass(frozen=True)
class Limits:
    """What one top-level command may use (see the module docstring for what each one bounds)."""

    steps: int = 200_000
    output: int = 8 << 20
    memory: int = 32 << 20
    disk: int = 32 << 20
    depth: int = 200
    pipe: int = 65536


class Kill(BaseException):
    """The process (or with ``whole``, the whole command) was killed by ``signal``.

    A BaseException so that no tool's ``except Exception`` can swallow it on the way out.
    """

    MESSAGES: ClassVar[dict[int, str]] = {9: "Killed", 11: "Segmentation fault (core dumped)",
                                          15: "Terminated"}

    def __init__(self, signal: int, reason: str, whole: bool = False) -> None:
        super().__init__(signal, reason)
        self.signal = signal
        self.reason = reason
        self.whole = whole

    @property
    def status(self) -> int:
        return 128 + self.signal

    def report(self, dialect: str) -> str:
        """What an interactive shell prints when its foreground job dies of this signal."""
        text = self.MESSAGES.get(self.signal, "")
        return f"zsh: {text[0].lower()}{text[1:]}" if dialect == "zsh" and text else text


class DiskFull(OSError):
    """A write past what the (simulated) disk holds: ENOSPC, which the writing tool reports."""


class BrokenPipe(Exception):
    """A write to a pipe nobody reads any more: the writer dies of SIGPIPE (status 141)."""


class Budget:
    """The running totals of one top-level command against its :class:`Limits`."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.steps = 0
        self.output = 0
        self.disk = 0  # characters written to files

    def step(self, n: int = 1) -> None:
        self.steps += n
        if self.steps > self.limits.steps:
            raise Kill(15, f"ran more than {self.limits.steps} steps", whole=True)

    def wrote(self, text: str) -> None:
        """``text`` went to the command's own output (the terminal or kubectl)."""
        self.output += len(text)
        self.step()
        if self.output > self.limits.output:
            raise Kill(15, f"printed more than {self.limits.output} bytes", whole=True)

    def hold(self, size: int) -> None:
        """One process now holds ``size`` characters in one value or buffer."""
        if size > self.limits.memory:
            raise Kill(9, f"held more than {self.limits.memory} characters")

    def too_deep(self, depth: int) -> bool:
        """Nesting ``depth`` is past the limit, or the interpreter's stack is nearly full."""
        return depth > self.limits.depth or _frames_at_least(_STACK_FRAMES)

    def nest(self, depth: int) -> None:
        """About to run at nesting ``depth``: a stack overflow when it is too deep."""
        if self.too_deep(depth):
            raise Kill(11, f"nested more than {self.limits.depth} calls")


def _frames_at_least(n: int) -> bool:
    try:
        sys._getframe(n)
    except ValueError:
        return False
    return True


# ---- pipelines -----------------------------------------------------------------------------

_TURN = threading.Condition()


class _Unwind(BaseException):
    """Raised in a waiting stage whose pipeline is being torn down (another stage was killed)."""


class Baton:
    """Which stage of one pipeline may run now; all others wait in :meth:`switch`."""

    def __init__(self, n: int) -> None:
        self.current = 0
        self.done = [False] * n
        self.failure: BaseException | None = None

    def switch(self, me: int, to: int) -> None:
        """Let stage ``to`` run and wait until the baton comes back to ``me``."""
        with _TURN:
            self.current = to
            _TURN.notify_all()
            while self.current != me:
                _TURN.wait()
        if self.failure is not None:
            raise _Unwind

    def wait(self, me: int) -> None:
        with _TURN:
            while self.current != me:
                _TURN.wait()

    def finish(self, me: int) -> None:
        """Stage ``me`` is over: pass the baton to a neighbour still running (reader first)."""
        with _TURN:
            self.done[me] = True
            alive = [i for i, d in enumerate(self.done) if not d]
            if alive:
                after = [i for i in alive if i > me]
                self.current = after[0] if after else alive[-1]
            else:
                self.current = -1
            _TURN.notify_all()

    def wait_all(self) -> None:
        with _TURN:
            while not all(self.done):
                _TURN.wait()


class _WriteEnd:
    """The writing end of a :class:`Pipe` (a Sink; the pipe itself is the reading end)."""

    def __init__(self, pipe: Pipe) -> None:
        self.pipe = pipe

    def write(self, text: str) -> None:
        self.pipe.write(text)


class Pipe(Input):
    """A bounded pipe from stage ``writer`` to stage ``writer + 1``: an Input, written through
    :attr:`sink`."""

    def __init__(self, baton: Baton, writer: int, budget: Budget) -> None:
        super().__init__("")
        self.baton = baton
        self.writer = writer
        self.reader = writer + 1
        self.budget = budget
        self.chunks: deque[str] = deque()
        self.size = 0
        self.write_closed = False
        self.read_closed = False
        self._line = ""  # a partial line already taken off the pipe by read_line
        self.sink = _WriteEnd(self)

    # writer side
    def write(self, text: str) -> None:
        self.budget.step()
        while text:
            if self.read_closed:
                raise BrokenPipe
            room = self.budget.limits.pipe - self.size
            if room <= 0:
                self.baton.switch(self.writer, self.reader)
                continue
            piece, text = text[:room], text[room:]
            self.chunks.append(piece)
            self.size += len(piece)

    # reader side
    def read_chunk(self) -> str | None:
        """The next piece of data, or None at end of file."""
        if self._line:
            piece, self._line = self._line, ""
            return piece
        while not self.chunks:
            if self.write_closed:
                return None
            self.baton.switch(self.reader, self.writer)
        piece = self.chunks.popleft()
        self.size -= len(piece)
        return piece

    def iter_chunks(self) -> Iterator[str]:
        while (piece := self.read_chunk()) is not None:
            yield piece

    def holding(self, size: int) -> None:
        self.budget.hold(size)

    def read_all(self) -> str:
        parts: list[str] = []
        total = 0
        for piece in self.iter_chunks():
            parts.append(piece)
            total += len(piece)
            self.budget.hold(total)
            self.budget.step(len(piece) // 128)
        return "".join(parts)

    def read_line(self) -> str | None:
        buf = self._line
        self._line = ""
        while "\n" not in buf:
            piece = self.read_chunk()
            if piece is None:
                return buf if buf else None
            buf += piece
            self.budget.hold(len(buf))
        line, _, rest = buf.partition("\n")
        self._line = rest
        return line


def run_stages(stages: list[Callable[[Input, Any], int]], first_input: Input, last_output: Any,
               budget: Budget) -> list[int]:
    """Run pipeline ``stages`` streaming, each ``stage(input, output) -> status``; their statuses.

    A stage killed as a process (OOM, SIGSEGV) just ends with that status, as does one that writes
    to a closed pipe (141); a kill of the whole command (or Ctrl-C) tears every stage down and is
    raised again here once they have all stopped.
    """
    n = len(stages)
    baton = Baton(n)
    pipes = [Pipe(baton, i, budget) for i in range(n - 1)]
    statuses = [0] * n

    def body(i: int) -> None:
        baton.wait(i)
        try:
            if baton.failure is None:
                inp = first_input if i == 0 else pipes[i - 1]
                out = last_output if i == n - 1 else pipes[i].sink
                statuses[i] = stages[i](inp, out)
        except BrokenPipe:
            statuses[i] = 141
        except Kill as e:
            if e.whole:
                baton.failure = baton.failure or e
            statuses[i] = e.status
        except _Unwind:
            statuses[i] = 143
        except BaseException as e:  # Ctrl-C or a bug: stop everything, re-raise in the caller
            baton.failure = baton.failure or e
            statuses[i] = 130
        finally:
            if i < n - 1:
                pipes[i].write_closed = True
            if i > 0:
                pipes[i - 1].read_closed = True
            baton.finish(i)

    threads = [threading.Thread(target=body, args=(i,), name=f"simk8s-pipe-{i}", daemon=True)
               for i in range(n)]
    for t in threads:
        t.start()
    baton.wait_all()
    for t in threads:
        t.join()
    if baton.failure is not None:
        raise baton.failure
    return statuses
