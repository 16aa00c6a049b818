"""How each shell words its complaints: dash, busybox ash, bash and zsh.

A mixin for :class:`~simk8s.node.shell.interp.Shell`; it reads the shell's ``dialect``, ``name`` (``$0``),
current line and whether the session is interactive.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import simk8s.node.shell.syntax as sx

__all__ = ["Diagnostics"]


class Diagnostics:
    """Message formatting shared by the interpreter and the builtins."""

    dialect: str
    name: str
    lineno: int
    interactive_mode: bool
    builtins: Mapping[str, Any]
    _line_offset: int

    def diag(self, msg: str, command: str = "") -> str:
        """A message prefixed as the dialect prefixes errors (``sh: 1: ``, ``bash: line 1: ``)."""
        if self.dialect == "dash":
            return f"{self.name}: {self.lineno}: {command + ': ' if command else ''}{msg}"
        if self.dialect == "bash":
            where = f"{self.name}: " if self.interactive_mode else f"{self.name}: line {self.lineno}: "
            return f"{where}{command + ': ' if command else ''}{msg}"
        if self.dialect == "zsh":
            # interactive: "cd: no such file ..."; a script: "zsh:cd:1: no such file ..."
            if self.interactive_mode:
                return f"{command or self.name}: {msg}"
            return f"{self.name}:{command + ':' if command else ''}{self.lineno}: {msg}"
        # busybox ash: a builtin's complaint carries a line number, 0-based under -c
        if command in self.builtins and not self.interactive_mode:
            return f"{self.name}: {command}: line {self.lineno - 1}: {msg}"
        return f"{self.name}: {command + ': ' if command else ''}{msg}"

    def not_found_message(self, name: str) -> str:
        if self.dialect == "zsh":
            return self.diag(f"command not found: {name}")
        if self.dialect == "bash":
            return self.diag("command not found", name)
        return self.diag("not found", name)

    def syntax_message(self, e: sx.ParseError, script: str = "") -> str:
        self.lineno = e.line
        if self.dialect == "dash":
            return f"{self.name}: {e.line}: Syntax error: {e.dash_text()}"
        if self.dialect == "zsh":
            if e.quote:
                return self.diag(f"unmatched {e.quote}")
            if e.message and e.message != "Bad for loop variable":
                return self.diag(e.message[:1].lower() + e.message[1:])
            near = e.near or e.text or "newline"
            return self.diag("parse error near `" + ("\\n" if near == "newline" else near) + "'")
        if self.dialect == "bash":
            where = self.name + ": " + ("" if self.interactive_mode else f"-c: line {e.line}: ")
            eof_line = self._line_offset + script.count("\n") + 2  # bash counts the line after the end
            eof_where = self.name + ": " + ("" if self.interactive_mode else f"-c: line {eof_line}: ")
            if e.quote:
                return where + f"unexpected EOF while looking for matching `{e.quote}'"
            if e.token == "end of file" and e.expecting == '")"' and e.text != "newline":
                return eof_where + "unexpected EOF while looking for matching `)'"
            if (e.token == "end of file" and e.text != "newline") or (
                    e.message and e.message != "Bad for loop variable"):
                return eof_where + "syntax error: unexpected end of file"
            tok = "newline" if e.token == "newline" else e.text
            text = where + f"syntax error near unexpected token `{tok}'"
            lines = script.split("\n")
            index = e.line - 1 - self._line_offset
            if not self.interactive_mode and 0 <= index < len(lines):
                text += "\n" + where + f"`{lines[index]}'"
            return text
        # busybox ash: dash's grammar messages, worded "unexpected X (expecting Y)", lower case
        text = (e.message[:1].lower() + e.message[1:]) if e.message else f"unexpected {e.token}" + (
            f" (expecting {e.expecting})" if e.expecting else "")
        return f"{self.name}: syntax error: {text}"

    def open_error(self, target: str, e: OSError, create: bool) -> str:
        reason = e.strerror or "Input/output error"
        if self.dialect == "dash":
            if e.errno == 2:
                reason = "Directory nonexistent" if create else "No such file"
            verb = "cannot create" if create else "cannot open"
            return self.diag(f"{verb} {target}: {reason}")
        if self.dialect == "zsh":
            return self.diag(f"{reason[0].lower() + reason[1:]}: {target}")
        if self.dialect == "ash":
            if e.errno == 2 and create:
                reason = "nonexistent directory"
            verb = "can't create" if create else "can't open"
            return self.diag(f"{verb} {target}: {reason}")
        return self.diag(reason, target)
