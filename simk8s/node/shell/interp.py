"""The interpreter: runs parsed scripts against simulated commands and a simulated file system.

Everything is in memory and runs on the budgets of :mod:`simk8s.node.shell.sandbox`: a pipeline's
stages stream through bounded pipes, taking turns; running past a budget ends the command as a
real system would (a timeout's SIGTERM, the OOM killer, a stack overflow), never with an exception
out of :meth:`Shell.run`. Diagnostics follow the dialect: ``dash`` (Debian's ``sh``), ``ash``
(busybox ``sh``), ``bash`` and ``zsh``.
"""

from __future__ import annotations

import copy
import fnmatch
import posixpath
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import simk8s.node.shell.syntax as sx
from simk8s.node.shell.builtins import BUILTINS
from simk8s.node.shell.context import Command, CommandContext, Input, Interrupt, Result, Sink
from simk8s.node.shell.control import ExitShell, LoopControl, ReturnFromFunction
from simk8s.node.shell.expansion import ShellError
from simk8s.node.shell.redirect import Redirections
from simk8s.node.shell.sandbox import BrokenPipe, Budget, DiskFull, Kill, Limits, run_stages
from simk8s.node.shell.streams import IO, State, Transcript, Vars
from simk8s.node.vfs import FileSystem, normalize

__all__ = ["DIALECTS", "Shell"]

DIALECTS = ("dash", "ash", "bash", "zsh")
_DEFAULT_NAME = {"dash": "sh", "ash": "sh", "bash": "bash", "zsh": "zsh"}
_BIN_DIRS = frozenset({"/bin", "/usr/bin", "/sbin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin"})
_SPECIAL_BUILTINS = frozenset({":", "break", "continue", "eval", "exec", "exit", "export", "readonly",
                               "return", "set", "shift", "unset"})


class Shell(Redirections):
    """A shell session over ``fs`` whose external commands are ``commands`` (name → callable).

    ``env`` seeds the exported variables. ``dialect`` picks the diagnostics (``dash``, ``ash``,
    ``bash``, ``zsh``); ``name`` is ``$0`` (default ``sh``/``bash``/``zsh``); ``sh_dialect`` is
    what ``sh`` means in this image (dash on Debian, ash on busybox/alpine). ``services`` is passed
    through to every command untouched. ``tty`` says the session's stdout/stderr are a terminal
    (``kubectl exec -t``): tools such as curl then keep their progress meter quiet.
    """

    def __init__(
        self,
        commands: Mapping[str, Command],
        fs: FileSystem,
        env: Mapping[str, str] | None = None,
        dialect: str = "dash",
        hostname: str = "localhost",
        services: Any = None,
        cwd: str = "/",
        name: str | None = None,
        sh_dialect: str = "dash",
        pid: int = 1,
        tty: bool = False,
        limits: Limits | None = None,
    ) -> None:
        if dialect not in DIALECTS:
            raise ValueError(f"unknown shell dialect {dialect!r}; expected one of {DIALECTS}")
        self.commands = dict(commands)
        self.builtins: Mapping[str, Command] = BUILTINS
        self.fs = fs
        self.dialect = dialect
        self.hostname = hostname
        self.services = services
        self.name = name or _DEFAULT_NAME[dialect]
        self.sh_dialect = sh_dialect
        self.pid = pid
        self.tty = tty
        self.limits = limits or Limits()
        self.budget = Budget(self.limits)  # replaced at each top-level command; shared by children
        self.depth = 0  # nested function calls, eval, ., sh -c
        env = dict(env or {})
        env.setdefault("PWD", cwd)
        self.st = State(Vars(self.limits.memory, env), set(env), cwd)
        self.interactive_mode = False
        self.exited = False  # an interactive session ended with ``exit``
        self.options: set[str] = set()  # "errexit", "xtrace"
        self._cond_depth = 0
        self.in_function = 0
        self.aliases: dict[str, str] = {}
        self._subst_status: int | None = None  # status of the last $(...) in the current command
        self.lineno = 1
        self._line_offset = 0

    # -- public API --------------------------------------------------------------------------

    def run(self, script: str, stdin: str = "") -> Result:
        """Run ``script`` as ``sh -c`` would, feeding ``stdin``; returns streams and status."""
        shared: list[str] = []
        out, err = Transcript(shared, self.tty, self._budget), Transcript(shared, self.tty, self._budget)
        self.budget = Budget(self.limits)
        code: int | None = None
        try:
            with self._killable(err):
                code = self.run_into(script, IO(Input(stdin), out, err))
        except Interrupt:
            code = self.st.status = 130
        return Result("".join(out.own), "".join(err.own), self.st.status if code is None else code,
                      "".join(shared))

    @contextmanager
    def _killable(self, err: Sink) -> Iterator[None]:
        """One top-level command: a kill (or the host's own stack or memory running out) ends it
        with the signal's status; an interactive shell reports it as bash reports a dead job."""
        saved = self.st
        depth = self.depth
        try:
            yield
        except (Kill, RecursionError, MemoryError) as e:
            kill = e if isinstance(e, Kill) else (
                Kill(11, "interpreter stack") if isinstance(e, RecursionError) else Kill(9, "host memory"))
            self.st = saved
            self.depth = depth
            self.st.status = kill.status
            if self.interactive_mode and kill.report(self.dialect):
                self.budget = Budget(self.limits)  # the report itself is not the dead command's
                err.write(kill.report(self.dialect) + "\n")

    def run_into(self, script: str, io: IO | None = None, *, ctx: CommandContext | None = None) -> int:
        """Run ``script`` writing to an existing IO (or a command context's streams).

        Used for ``eval``, ``.`` and a child shell's script: each nests one level deeper.
        """
        if io is None:
            assert ctx is not None
            io = IO(ctx.input, ctx.stdout, ctx.stderr)
        self._current_err = io.err
        self.depth += 1
        try:
            self.budget.nest(self.depth)
            self._run_trees(script, io)
        finally:
            self.depth -= 1
        return self.st.status

    def run_process(self, script: str, ctx: CommandContext) -> int:
        """Run ``script`` as this (child) shell's whole process: a kill of the process alone
        (OOM, SIGSEGV) ends it with that status and the parent carries on."""
        try:
            return self.run_into(script, ctx=ctx)
        except Kill as e:
            if e.whole:
                raise
            return e.status
        except RecursionError:
            return 139

    def _run_trees(self, script: str, io: IO) -> None:
        try:
            if self.dialect == "zsh":  # zsh parses the whole -c string before running any of it
                sx.parse(script, first_line=1 + self._line_offset)
            for tree in sx.iter_commands(script, first_line=1 + self._line_offset):
                self.st.status = self.execute(tree, io)
        except sx.ParseError as e:
            io.err.write(self.syntax_message(e, script) + "\n")
            self.st.status = 2 if self.dialect != "zsh" else 1
        except ExitShell as e:
            self.st.status = e.code
        except LoopControl:
            pass

    def interactive(self, lines: list[str], prompt: str | Callable[[Shell], str] = "",
                    echo: bool = True, continuation: str = "> ") -> Result:
        """Feed ``lines`` one at a time as typed at a terminal; stop at ``exit`` (or the end).

        With ``echo`` each line is shown after the prompt as a TTY echoes it; ``prompt`` may be a
        function of the shell (to follow ``cd``). A line that leaves a construct open
        (``for ... do``) waits for more lines under the continuation prompt. At the end of the
        lines without ``exit`` the session is left at a fresh prompt, as a terminal would be.
        """
        self.interactive_mode = True
        shared: list[str] = []
        out, err = Transcript(shared, self.tty, self._budget), Transcript(shared, self.tty, self._budget)
        io = IO(Input(""), out, err)
        self._current_err = err
        pending: list[str] = []

        def show_prompt() -> str:
            return prompt(self) if callable(prompt) else prompt

        exited = False
        for line in lines:
            self.budget = Budget(self.limits)
            if echo:
                out.write((continuation if pending else show_prompt()) + line + "\n")
            pending.append(line)
            try:
                tree = sx.parse("\n".join(pending), first_line=1 + self._line_offset)
            except sx.ParseError as e:
                if e.at_eof:
                    continue
                err.write(self.syntax_message(e) + "\n")
                self.st.status = 2 if self.dialect != "zsh" else 1
                self._line_offset += len(pending)
                pending = []
                continue
            self._line_offset += len(pending)
            pending = []
            try:
                with self._killable(err):
                    self.st.status = self.execute(tree, io)
            except ExitShell as e:
                self.st.status = e.code
                exited = self.exited = True
                if self.dialect == "bash":
                    err.write("exit\n")  # interactive bash announces it is leaving
                break
            except LoopControl:
                pass
            except Interrupt:
                self.st.status = 130
                if echo:
                    out.write("^C\n")
        if not exited and echo:
            out.write(show_prompt())
        return Result("".join(out.own), "".join(err.own), self.st.status, "".join(shared))

    def exec_argv(self, argv: list[str], stdin: str = "") -> Result | None:
        """Run one program directly, without a shell (``kubectl exec pod -- curl ...``).

        Only external commands count: ``cd`` or ``exit`` are not programs. Returns None when
        ``argv[0]`` is not in the image, so the caller can word the runtime's exec failure.
        """
        name = argv[0]
        cmd = self.commands.get(name.rsplit("/", 1)[-1] if "/" in name else name)
        if "/" in name and self.lookup(name) is None:
            cmd = None
        if cmd is None:
            return None
        shared: list[str] = []
        out, err = Transcript(shared, self.tty, self._budget), Transcript(shared, self.tty, self._budget)
        self._current_err = err
        self.budget = Budget(self.limits)
        ctx = CommandContext(list(argv), Input(stdin), out, err, self.environ(), self.fs, self.st.cwd,
                             self, self.services)
        code: int | None = None
        try:
            with self._killable(err):
                code = self._command(cmd, ctx)
        except ExitShell as e:
            code = e.code
        except Interrupt:
            code = 130
        return Result("".join(out.own), "".join(err.own), self.st.status if code is None else code,
                      "".join(shared))

    def _budget(self) -> Budget:
        return self.budget

    @property
    def cwd(self) -> str:
        return self.st.cwd

    @property
    def status(self) -> int:
        return self.st.status

    def get(self, name: str) -> str | None:
        """A variable's value (None when unset)."""
        return self.st.vars.get(name)

    def set(self, name: str, value: str, export: bool = False) -> None:
        self.st.vars[name] = value
        if export:
            self.st.exported.add(name)

    def unset(self, name: str) -> None:
        self.st.vars.pop(name, None)
        self.st.exported.discard(name)

    def variables(self) -> Mapping[str, str]:
        """Every variable, exported or not (what ``set`` lists)."""
        return self.st.vars

    def environ(self) -> dict[str, str]:
        """The exported variables (what a child process inherits)."""
        return {k: v for k, v in self.st.vars.items() if k in self.st.exported}

    def chdir(self, path: str) -> None:
        self.st.cwd = path
        self.st.vars["OLDPWD"] = self.st.vars.get("PWD", "/")
        self.st.vars["PWD"] = path

    @property
    def params(self) -> list[str]:
        return self.st.params

    @params.setter
    def params(self, value: list[str]) -> None:
        self.st.params = list(value)

    def child(self, dialect: str, name: str | None = None) -> Shell:
        """A new shell process (``sh -c``) inheriting exported variables and cwd, and the budget
        of the command that starts it."""
        sh = Shell(self.commands, self.fs, self.environ(), dialect, self.hostname, self.services,
                   self.st.cwd, name, self.sh_dialect, self.pid + 1, self.tty, self.limits)
        sh.budget = self.budget
        sh.depth = self.depth
        return sh

    def fork(self) -> Shell:
        """A copy of this shell as a separate process (a pipeline stage): same budget, own state."""
        sh = copy.copy(self)
        sh.st = self.st.copy()
        sh.options = set(self.options)
        sh.aliases = dict(self.aliases)
        return sh

    @contextmanager
    def condition(self) -> Iterator[None]:
        """Evaluate a condition: ``set -e`` does not fire inside it."""
        self._cond_depth += 1
        try:
            yield
        finally:
            self._cond_depth -= 1

    def lookup(self, name: str) -> Command | None:
        """The builtin or external command ``name`` resolves to (``/bin/x`` works for ``x``)."""
        if "/" in name:
            directory, base = posixpath.split(normalize(name, self.st.cwd))
            return self.commands.get(base) if directory in _BIN_DIRS else None
        return self.builtins.get(name) or self.commands.get(name)

    # -- execution ---------------------------------------------------------------------------

    def execute(self, node: sx.Node, io: IO) -> int:
        """Run one syntax node; returns its exit status (``$?`` is updated as it goes).

        An expansion error (``${x:?}``, bad arithmetic, zsh's no-match) is printed; it ends a
        script and fails the command line of an interactive session.
        """
        self.budget.step()
        try:
            return self._execute(node, io)
        except ShellError as e:
            io.err.write(str(e) + "\n")
            code = e.code if e.code is not None else {"bash": 127, "zsh": 1}.get(self.dialect, 2)
            self.st.status = code
            if self.interactive_mode:
                return code
            raise ExitShell(code) from None

    def _execute(self, node: sx.Node, io: IO) -> int:
        if isinstance(node, sx.Simple | sx.Pipeline):
            status = self._simple(node, io) if isinstance(node, sx.Simple) else self._pipeline(node, io)
            self.st.status = status
            negated = isinstance(node, sx.Pipeline) and node.negate
            if status and "errexit" in self.options and not self._cond_depth and not negated:
                raise ExitShell(status)
            return status
        if isinstance(node, sx.Sequence):
            status = 0
            for item in node.items:
                status = self.st.status = self.execute(item, io)
        elif isinstance(node, sx.AndOr):
            with self.condition():
                status = self.execute(node.first, io)
            for i, (op, rest) in enumerate(node.rest):
                self.st.status = status
                if (op == "&&") == (status == 0):
                    if i == len(node.rest) - 1:
                        status = self.execute(rest, io)
                    else:
                        with self.condition():
                            status = self.execute(rest, io)
        else:
            status = self._compound(node, io)
        self.st.status = status
        return status

    def _compound(self, node: sx.Node, io: IO) -> int:
        redirs: tuple[sx.Redir, ...] = getattr(node, "redirs", ())
        if redirs:
            rio = self._redirect(redirs, io)
            if rio is None:
                return 2 if self.dialect == "dash" else 1
            try:
                return self._compound_body(node, rio)
            finally:
                rio.flush()
        return self._compound_body(node, io)

    def _compound_body(self, node: sx.Node, io: IO) -> int:
        if isinstance(node, sx.For):
            return self._for(node, io)
        if isinstance(node, sx.If):
            for cond, body in node.branches:
                with self.condition():
                    taken = self.execute(cond, io) == 0
                if taken:
                    return self.execute(body, io)
            return self.execute(node.orelse, io) if node.orelse is not None else 0
        if isinstance(node, sx.While):
            return self._while(node, io)
        if isinstance(node, sx.Subshell):
            return self.subshell(lambda: self.execute(node.body, io))
        if isinstance(node, sx.BraceGroup):
            return self.execute(node.body, io)
        if isinstance(node, sx.Case):
            value = self.expand_str(node.word)
            for patterns, body in node.items:
                if any(fnmatch.fnmatchcase(value, self.expand_pattern(p)) for p in patterns):
                    return self.execute(body, io)
            return 0
        if isinstance(node, sx.FuncDef):
            self.st.funcs[node.name] = node.body
            return 0
        raise TypeError(f"not a syntax node: {node!r}")

    def _for(self, node: sx.For, io: IO) -> int:
        items = self.expand_words(node.words) if node.words is not None else list(self.st.params)
        status = 0
        for item in items:
            self.st.vars[node.name] = item
            with self._loop() as ctl:
                status = self.execute(node.body, io)
            if ctl.brk:
                break
        return status

    def _while(self, node: sx.While, io: IO) -> int:
        status = 0
        while True:  # an endless loop ends when the step budget does
            with self.condition():
                done = (self.execute(node.cond, io) == 0) == node.until
            if done:
                return status
            with self._loop() as ctl:
                status = self.execute(node.body, io)
            if ctl.brk:
                return status

    @contextmanager
    def _loop(self) -> Iterator[_LoopState]:
        ctl = _LoopState()
        try:
            yield ctl
        except LoopControl as e:
            if e.levels > 1:
                raise LoopControl(e.kind, e.levels - 1) from None
            ctl.brk = e.kind == "break"

    def subshell(self, fn: Callable[[], int]) -> int:
        """Run ``fn`` with a copy of the shell state; ``exit`` inside ends only the copy."""
        saved = self.st
        self.st = saved.copy()
        try:
            return fn()
        except ExitShell as e:
            return e.code
        except LoopControl:
            return self.st.status
        except Kill as e:  # the subshell process was killed; the parent carries on
            if e.whole:
                raise
            return e.status
        finally:
            self.st = saved

    def _pipeline(self, node: sx.Pipeline, io: IO) -> int:
        if len(node.commands) == 1:
            if node.negate:
                with self.condition():
                    status = self.execute(node.commands[0], io)
            else:
                status = self.execute(node.commands[0], io)
        else:
            def stage(cmd: sx.Node) -> Callable[[Input, Any], int]:
                def run(data: Input, out: Any) -> int:
                    sh = self.fork()  # each stage is its own process, running on its own thread
                    return sh.subshell(lambda: sh.execute(cmd, IO(data, out, io.err)))
                return run

            status = run_stages([stage(c) for c in node.commands], io.input, io.out, self.budget)[-1]
        return int(status == 0) if node.negate else status

    # -- simple commands ---------------------------------------------------------------------

    def _simple(self, node: sx.Simple, io: IO) -> int:
        self.lineno = node.line
        self._subst_status = None
        argv = self.expand_words(node.words)
        assigns = [(a.name, self.expand_str(a.value)) for a in node.assigns]
        rio = self._redirect(node.redirs, io)
        if rio is None:
            return 2 if self.dialect == "dash" else 1
        try:
            return self._simple_run(argv, assigns, rio, io)
        finally:
            rio.flush()

    def _simple_run(self, argv: list[str], assigns: list[tuple[str, str]], rio: IO, io: IO) -> int:
        if "xtrace" in self.options:
            words = [f"{n}={v}" for n, v in assigns] + argv
            io.err.write("+ " + " ".join(_xtrace_quote(w) for w in words) + "\n")
        if not argv:
            for name, value in assigns:
                self.st.vars[name] = value
            return self._subst_status or 0
        alias = self.aliases.get(argv[0])
        if alias is not None:  # expanded once, at the command word (as real shells do at parse time)
            argv = alias.split() + argv[1:]
        body = self.st.funcs.get(argv[0])
        if body is not None and argv[0] not in _SPECIAL_BUILTINS:
            return self.call_function(body, argv[1:], rio, argv[0])
        cmd = self.lookup(argv[0])
        if cmd is None:
            rio.err.write(self.not_found_message(argv[0]) + "\n")
            return 127
        env = self.environ()
        env.update(assigns)
        ctx = CommandContext(argv, rio.input, rio.out, rio.err, env, self.fs, self.st.cwd, self,
                             self.services)
        return self._command(cmd, ctx)

    def _command(self, cmd: Command, ctx: CommandContext) -> int:
        """Run a builtin or tool; a write it cannot make ends it as the system would end it."""
        try:
            return cmd(ctx)
        except BrokenPipe:
            return 141  # SIGPIPE: the reader went away
        except DiskFull as e:  # the disk filled up under a redirection
            ctx.err(f"{ctx.name}: write error: {e.strerror}\n")
            return 1

    def call_function(self, body: sx.Node, args: list[str], io: IO, name: str = "") -> int:
        """Run a shell function with ``args`` as its positional parameters."""
        limit = self.st.vars.get("FUNCNEST", "") if self.dialect == "bash" else ""
        if self.dialect == "zsh" and self.budget.too_deep(self.depth + 1):
            # zsh refuses (FUNCNEST) before its stack overflows
            raise ShellError(self.diag("maximum nested function level reached; increase FUNCNEST?", name), 1)
        if limit.isdigit() and 0 < int(limit) <= self.in_function:
            raise ShellError(self.diag(f"maximum function nesting level exceeded ({self.in_function})", name), 1)
        saved = self.st.params
        self.st.params = list(args)
        self.in_function += 1
        self.depth += 1
        try:
            self.budget.nest(self.depth)
            return self.execute(body, io)
        except ReturnFromFunction as e:
            return e.code
        finally:
            self.depth -= 1
            self.in_function -= 1
            self.st.params = saved


def _xtrace_quote(word: str) -> str:
    if word and all(c.isalnum() or c in "@%+=:,./-_" for c in word):
        return word
    return "'" + word.replace("'", "'\\''") + "'"


@dataclass
class _LoopState:
    brk: bool = False

