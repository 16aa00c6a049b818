"""Word expansion for the interpreter: parameters, arithmetic, command substitution, fields, globs.

A mixin for :class:`~simk8s.node.shell.interp.Shell`. Every expansion counts against the command's
memory budget (:mod:`simk8s.node.shell.sandbox`): a value past it is the OOM killer's.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import simk8s.node.shell.syntax as sx
from simk8s.node.shell.context import Input, Sink
from simk8s.node.shell.dialect import Diagnostics
from simk8s.node.shell.expand import ArithError, Fields, arith, brace_expand, glob, glob_escape, remove_affix
from simk8s.node.shell.sandbox import Budget, Limits
from simk8s.node.shell.streams import IO, Buffer, Null, State
from simk8s.node.vfs import FileSystem

__all__ = ["Expansion", "ShellError"]

_ARITH_PARAM = re.compile(r"\$\{(\w+|[?#$])\}|\$(\w+|[?#$])")


class ShellError(Exception):
    """An expansion error (``${x:?}``, bad arithmetic): the message is printed and a
    non-interactive shell exits with ``code`` (None: the dialect's default)."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class Expansion(Diagnostics):
    """Expanding words against the shell's state (the interpreter supplies ``execute`` and
    ``subshell``)."""

    st: State
    fs: FileSystem
    limits: Limits
    budget: Budget
    _subst_status: int | None
    pid: int

    def execute(self, node: sx.Node, io: IO) -> int:
        raise NotImplementedError

    def subshell(self, fn: Callable[[], int]) -> int:
        raise NotImplementedError

    def expand_words(self, words: tuple[sx.Word, ...]) -> list[str]:
        """Expand, field-split and glob ``words`` into arguments."""
        out: list[str] = []
        braces = self.dialect in ("bash", "zsh")
        most = self.limits.memory // 64  # words a brace expansion may make before the OOM killer
        held = 0
        for word in (w for orig in words for w in (brace_expand(orig, most) if braces else [orig])):
            fields = Fields(self.limits.memory)
            try:
                self._expand_into(word, fields, split=True)
                fields.end()
            finally:  # splitting is Python work per field: charged even when memory ran out
                self.budget.step(len(fields.done) // 8)
            for value, pattern, globbable in fields.done:
                matches = glob(self.fs, self.st.cwd, pattern) if globbable else []
                if globbable and not matches and self.dialect == "zsh":
                    raise ShellError(self.diag(f"no matches found: {value}"))
                out.extend(matches or [value])
                held += sum(len(w) + 8 for w in matches or [value])
            self.budget.hold(held)
        return out

    def expand_str(self, word: sx.Word) -> str:
        """Expand ``word`` to one string without splitting or globbing (assignments, targets)."""
        fields = Fields(self.limits.memory)
        self._expand_into(word, fields, split=False)
        fields.end()
        text = " ".join(v for v, _, _ in fields.done)
        self.budget.hold(len(text))
        return text

    def expand_pattern(self, word: sx.Word) -> str:
        """``word`` as an fnmatch pattern: quoted parts match literally (``case`` patterns)."""
        out: list[str] = []
        for part in word:
            text = part.text if isinstance(part, sx.Lit) else self._part_value(part)
            out.append(glob_escape(text) if part.quoted else text)
        return "".join(out)

    def _expand_into(self, word: sx.Word, fields: Fields, split: bool) -> None:
        zsh = self.dialect == "zsh"
        for part in word:
            if isinstance(part, sx.Lit):
                text = part.text
                if not part.quoted and part is word[0] and text.startswith("~"):
                    head, sep, tail = text.partition("/")
                    # bash falls back to the passwd entry when HOME is unset; dash keeps "~"
                    home = self.st.vars.get("HOME", {"bash": "/root", "zsh": ""}.get(self.dialect))
                    if head == "~" and home is not None:
                        text = home + sep + tail
                fields.add(text, part.quoted or not split)
            elif isinstance(part, sx.Param) and not part.op and (
                    (part.name == "@" and part.quoted) or (zsh and split and part.name in "@*")):
                params = [p for p in self.st.params if p or part.quoted]
                for i, p in enumerate(params):
                    if i:
                        fields.end()
                    fields.add(p, True)
            else:
                value = self._part_value(part)
                if part.quoted or not split:
                    fields.add(value, True)
                elif zsh and isinstance(part, sx.Param):
                    if value:  # zsh does not split parameters (no SH_WORD_SPLIT); empty ones vanish
                        fields.add(value, True)
                else:
                    fields.add_split(value, self.st.vars.get("IFS", " \t\n"))

    def _part_value(self, part: sx.Part) -> str:
        if isinstance(part, sx.CmdSub):
            return self.command_substitution(part.body)
        if isinstance(part, sx.Arith):
            expr = _ARITH_PARAM.sub(lambda m: self.special(m.group(1) or m.group(2)) or "", part.expr)
            try:
                if "**" in expr and self.dialect == "dash":  # POSIX has no power operator
                    raise ArithError(f'arithmetic expression: expecting primary: "{expr}"', expr)
                return str(arith(expr, self.st.vars, octal=self.dialect != "zsh"))
            except ArithError as e:
                if self.dialect == "ash":
                    text = "divide by zero" if e.division else "arithmetic syntax error"
                    raise ShellError(self.diag(text)) from None
                if self.dialect == "zsh":
                    text = ("division by zero" if e.division
                            else "bad math expression: operand expected at end of string")
                    raise ShellError(self.diag(text)) from None
                if self.dialect == "bash":
                    raise ShellError(self.diag(e.bash_text()), 1) from None
                raise ShellError(self.diag(str(e))) from None
        assert isinstance(part, sx.Param)
        return self._param(part)

    def _param(self, part: sx.Param) -> str:
        value = self.special(part.name)
        op = part.op
        if op == "len":
            return str(len(value or ""))
        if not op:
            return value or ""
        unset_or_empty = value is None or (op.startswith(":") and value == "")
        if op in ("-", ":-"):
            return self.expand_str(part.arg) if unset_or_empty else value or ""
        if op in ("=", ":="):
            if unset_or_empty:
                value = self.expand_str(part.arg)
                self.st.vars[part.name] = value
            return value or ""
        if op in ("+", ":+"):
            return "" if unset_or_empty else self.expand_str(part.arg)
        if op in ("?", ":?"):
            if unset_or_empty:
                if self.dialect == "bash":
                    default = "parameter null or not set" if op == ":?" else "parameter not set"
                elif self.dialect == "zsh":
                    default = "parameter not set"
                else:
                    default = "parameter not set or null" if op == ":?" else "parameter not set"
                msg = self.expand_str(part.arg) or default
                if self.dialect == "zsh":
                    raise ShellError(self.diag(f"{part.name}: {msg}"))
                raise ShellError(self.diag(msg, part.name))
            return value or ""
        return remove_affix(value or "", op, self.expand_str(part.arg),
                            lambda n: self.budget.step(1 + n // 4096))

    def special(self, name: str) -> str | None:
        """The value of ``$name`` including special parameters; None when unset."""
        st = self.st
        if name == "?":
            return str(st.status)
        if name == "$":
            return str(self.pid)
        if name == "#":
            return str(len(st.params))
        if name in ("@", "*"):
            return " ".join(st.params)
        if name == "0":
            return self.name
        if name.isdigit():
            i = int(name)
            return st.params[i - 1] if i <= len(st.params) else None
        if name == "-":
            return "i" if self.interactive_mode else ""
        if name == "!":
            return ""
        if name == "LINENO" and self.dialect != "dash":
            return str(self.lineno - 1 if self.dialect == "ash" else self.lineno)
        return st.vars.get(name)

    def command_substitution(self, body: sx.Node) -> str:
        """Run ``body`` in a subshell and return its output minus trailing newlines."""
        buf = Buffer(self.budget)
        err = self._current_err
        line = self.lineno

        def run() -> int:
            return self.execute(body, IO(Input(""), buf, err))

        status = self.subshell(run)
        self.lineno = line
        self.st.status = status
        self._subst_status = status
        return buf.text().rstrip("\n")

    # Errors inside $(...) go to the shell's stderr rather than to the stderr of the command
    # being expanded; the two differ only when that command redirects 2>, which is rare.
    _current_err: Sink = Null()
