"""The shell's lexer: characters to tokens and unexpanded words, as dash reads them.

Reading characters directly (as dash does) gets quoting, ``$(...)`` nesting, here-documents and
line numbers right. A command substitution holds commands, so :class:`Lexer` leaves parsing
those to the parser (:mod:`simk8s.node.shell.syntax`), which subclasses it with the two hooks.
Syntax errors are :class:`ParseError` values carrying what dash needs to word them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from simk8s.node.shell.nodes import Arith, CmdSub, HereDoc, Lit, Node, Param, Part, Word

__all__ = ["KEYWORDS", "OPERATORS", "REDIR_OPS", "Lexer", "ParseError", "Token"]


@dataclass
class ParseError(Exception):
    """A syntax error. ``token`` is dash's name for the offending token (``"done"``, ``word``,
    ``end of file``), ``text`` its source text; ``expecting`` dash's quoted expectation or "".
    ``message`` replaces the unexpected-token form (``Unterminated quoted string``)."""

    token: str
    text: str
    line: int
    expecting: str = ""
    message: str = ""
    quote: str = ""  # the unmatched quote for "Unterminated quoted string"
    near: str = ""  # the last token read before the error (zsh reports it at end of input)

    @property
    def at_eof(self) -> bool:
        """True when more input could complete the script (an interactive shell reads on)."""
        return self.token == "end of file" or self.message == "Unterminated quoted string"

    def dash_text(self) -> str:
        if self.message:
            return self.message
        text = f"{self.token} unexpected"
        return f"{text} (expecting {self.expecting})" if self.expecting else text

    def __str__(self) -> str:
        return self.dash_text()


KEYWORDS = frozenset(
    {"if", "then", "else", "elif", "fi", "do", "done", "for", "in", "while", "until", "case",
     "esac", "{", "}", "!"})
OPERATORS = ("&&", "||", ";;", ">>", ">&", "<&", ">|", "<<-", "<<", ";", "&", "|", "(", ")", "<", ">")
_META = " \t\n;&|()<>"
_SPECIAL_PARAMS = "?$#@*!-0123456789"
REDIR_OPS = frozenset({"<", ">", ">>", ">&", "<&", ">|", "<<", "<<-"})


@dataclass
class Token:
    kind: str  # WORD, OP, NEWLINE, EOF, IO
    text: str
    line: int
    word: Word = ()
    plain: bool = False  # an unquoted literal word (can be a keyword)

    def keyword(self) -> str | None:
        return self.text if self.kind == "WORD" and self.plain and self.text in KEYWORDS else None

    def dash_name(self) -> str:
        if self.kind == "EOF":
            return "end of file"
        if self.kind == "NEWLINE":
            return "newline"
        if self.kind == "IO" or (self.kind == "OP" and self.text in REDIR_OPS):
            return "redirection"
        if self.kind == "OP" or self.keyword():
            return f'"{self.text}"'
        return "word"


def _add_expansion(part: Part, parts: list[Part], buf: list[str], quoted: bool) -> bool:
    """Add what a ``$`` or backquote read: literal text (``$`` alone, say) joins ``buf``; an
    expansion ends the literal run (a ``Lit`` quoted as ``quoted``) and follows it. Returns
    whether it was an expansion."""
    if isinstance(part, Lit):
        buf.append(part.text)
        return False
    if buf:
        parts.append(Lit("".join(buf), quoted))
        buf.clear()
    parts.append(part)
    return True


@dataclass
class Lexer:
    src: str
    pos: int = 0
    line: int = 1
    peeked: list[Token] = field(default_factory=list)
    heredocs: list[HereDoc] = field(default_factory=list)
    last: str = ""

    def error_eof(self, expecting: str = "") -> ParseError:
        return ParseError("end of file", "", self.line, expecting, near=self.last)

    def next(self) -> Token:
        tok = self.peeked.pop() if self.peeked else self._scan()
        if tok.kind not in ("EOF", "NEWLINE"):
            self.last = tok.text
        return tok

    def peek(self) -> Token:
        if not self.peeked:
            self.peeked.append(self._scan())
        return self.peeked[-1]

    def _scan(self) -> Token:
        s = self.src
        while self.pos < len(s):
            c = s[self.pos]
            if c in " \t":
                self.pos += 1
            elif c == "\\" and s.startswith("\\\n", self.pos):
                self.pos += 2
                self.line += 1
            elif c == "#":
                while self.pos < len(s) and s[self.pos] != "\n":
                    self.pos += 1
            else:
                break
        if self.pos >= len(s):
            return Token("EOF", "", self.line)
        c = s[self.pos]
        if c == "\n":
            self.pos += 1
            self.line += 1
            line = self.line - 1
            self._read_heredocs()
            return Token("NEWLINE", "\n", line)
        for op in OPERATORS:
            if s.startswith(op, self.pos):
                self.pos += len(op)
                return Token("OP", op, self.line)
        line = self.line
        start = self.pos
        word, plain = self._word(stop=_META)
        text = s[start:self.pos]
        if text.isdigit() and self.pos < len(s) and s[self.pos] in "<>":
            return Token("IO", text, line)
        return Token("WORD", text, line, word, plain)

    def _read_heredocs(self) -> None:
        """Consume the bodies of pending here-documents, which start after this newline."""
        s = self.src
        for doc in self.heredocs:
            lines: list[str] = []
            while self.pos < len(s):
                end = s.find("\n", self.pos)
                end = len(s) if end < 0 else end
                line = s[self.pos:end]
                self.pos = min(end + 1, len(s))
                self.line += 1
                if doc.strip_tabs:
                    line = line.lstrip("\t")
                if line == doc.delimiter:
                    break
                lines.append(line + "\n")
            text = "".join(lines)
            doc.body = (Lit(text, True),) if doc.quoted else type(self)(text).heredoc_word()  # the same parser hooks
        self.heredocs.clear()

    def heredoc_word(self) -> Word:
        """The whole source as an unquoted here-document body: ``$`` and backquotes expand,
        backslash escapes only ``$ ` \\`` and newline, quotes are ordinary characters."""
        parts, buf = self._quoted_parts("$`\\\n", None)
        if buf:
            parts.append(Lit("".join(buf), True))
        return tuple(parts)

    def _quoted_parts(self, escapable: str, closing: str | None) -> tuple[list[Part], list[str]]:
        """Quoted text up to ``closing`` (the source's end when None): a backslash escapes only the
        characters in ``escapable`` (an escaped newline joins lines), ``$`` and backquotes expand.
        Returns the parts and the literal text after the last of them, not yet made a part."""
        s = self.src
        parts: list[Part] = []
        buf: list[str] = []
        while True:
            if self.pos >= len(s):
                if closing is None:
                    break
                raise ParseError("", "", self.line, message="Unterminated quoted string", quote=closing)
            c = s[self.pos]
            if c == closing:
                self.pos += 1
                break
            if c == "\\" and self.pos + 1 < len(s) and s[self.pos + 1] in escapable:
                if s[self.pos + 1] != "\n":
                    buf.append(s[self.pos + 1])
                else:
                    self.line += 1
                self.pos += 2
            elif c in "$`":
                _add_expansion(self._dollar(True) if c == "$" else self._backquote(True), parts, buf, True)
            else:
                if c == "\n":
                    self.line += 1
                buf.append(c)
                self.pos += 1
        return parts, buf

    def _word(self, stop: str, in_brace: bool = False) -> tuple[Word, bool]:
        """Read one word's parts up to an unquoted char in ``stop`` (or ``}`` in ``${..}``)."""
        s = self.src
        parts: list[Part] = []
        buf: list[str] = []
        plain = True

        def flush(quoted: bool = False) -> None:
            if buf:
                parts.append(Lit("".join(buf), quoted))
                buf.clear()

        while self.pos < len(s):
            c = s[self.pos]
            if c in stop or (in_brace and c == "}"):
                break
            if c == "\\":
                flush()
                plain = False
                if self.pos + 1 >= len(s):
                    buf.append("\\")
                    self.pos += 1
                    continue
                nxt = s[self.pos + 1]
                self.pos += 2
                if nxt == "\n":
                    self.line += 1
                    continue
                parts.append(Lit(nxt, True))
            elif c == "'":
                flush()
                plain = False
                end = s.find("'", self.pos + 1)
                if end < 0:
                    raise ParseError("", "", self.line, message="Unterminated quoted string", quote="'")
                text = s[self.pos + 1:end]
                self.line += text.count("\n")
                parts.append(Lit(text, True))
                self.pos = end + 1
            elif c == '"':
                flush()
                plain = False
                self.pos += 1
                parts.extend(self._double_quoted())
            elif c == "$" or c == "`":
                if _add_expansion(self._dollar(False) if c == "$" else self._backquote(False), parts, buf, False):
                    plain = False
            else:
                if c == "\n":
                    self.line += 1
                buf.append(c)
                self.pos += 1
        flush()
        return tuple(parts), plain

    def _double_quoted(self) -> list[Part]:
        parts, buf = self._quoted_parts('$`"\\\n', '"')
        # An empty "" still makes a (quoted, empty) field; "$@" alone may make none.
        if buf or not parts:
            parts.append(Lit("".join(buf), True))
        return parts

    def _dollar(self, quoted: bool) -> Part:
        s = self.src
        p = self.pos + 1
        if s.startswith("((", p):
            depth, q = 0, p + 2
            while q < len(s):
                if s[q] == "(":
                    depth += 1
                elif s[q] == ")":
                    if depth == 0 and s.startswith("))", q):
                        self.pos = q + 2
                        return Arith(s[p + 2:q], quoted)
                    depth -= 1
                q += 1
            raise self.error_eof('"))"')
        if s.startswith("(", p):
            self.pos = p + 1
            return CmdSub(self._nested(")"), quoted)
        if s.startswith("{", p):
            self.pos = p + 1
            return self._braced(quoted)
        if p < len(s) and s[p] in _SPECIAL_PARAMS:
            self.pos = p + 1
            return Param(s[p], quoted)
        q = p
        while q < len(s) and (s[q].isalnum() or s[q] == "_") and not (q == p and s[q].isdigit()):
            q += 1
        if q == p:
            self.pos = p
            return Lit("$", quoted)
        self.pos = q
        return Param(s[p:q], quoted)

    def _braced(self, quoted: bool) -> Part:
        s = self.src
        length = s.startswith("#", self.pos) and not s.startswith("#}", self.pos)
        if length:
            self.pos += 1
        q = self.pos
        if q < len(s) and s[q] in _SPECIAL_PARAMS:
            q += 1
        else:
            while q < len(s) and (s[q].isalnum() or s[q] == "_"):
                q += 1
        name = s[self.pos:q]
        self.pos = q
        if not name:
            raise ParseError("", "", self.line, message="Bad substitution")
        if length:
            self._expect_brace()
            return Param(name, quoted, "len")
        op = ""
        for cand in (":-", ":=", ":+", ":?", "##", "%%", "-", "=", "+", "?", "#", "%"):
            if s.startswith(cand, self.pos):
                op = cand
                self.pos += len(cand)
                break
        arg: Word = ()
        if op:
            arg, _ = self._word(stop="", in_brace=True)
        self._expect_brace()
        return Param(name, quoted, op, arg)

    def _expect_brace(self) -> None:
        if self.pos >= len(self.src):
            raise self.error_eof('"}"')
        if self.src[self.pos] != "}":
            raise ParseError("", "", self.line, message="Bad substitution")
        self.pos += 1

    def _nested(self, close: str) -> Node:
        """Parse a command list up to ``close`` starting at ``self.pos``; leave pos after it.

        ``$(...)`` holds commands: the parser (:mod:`simk8s.node.shell.syntax`) supplies this."""
        raise NotImplementedError

    def _script(self, src: str, first_line: int) -> Node:
        """Parse ``src`` as a whole script (a backquoted command); the parser supplies this."""
        raise NotImplementedError

    def _backquote(self, quoted: bool) -> Part:
        s = self.src
        q = self.pos + 1
        buf: list[str] = []
        while True:
            if q >= len(s):
                raise ParseError("", "", self.line, message='EOF in backquote substitution')
            c = s[q]
            if c == "`":
                break
            if c == "\\" and q + 1 < len(s) and s[q + 1] in "$`\\":
                buf.append(s[q + 1])
                q += 2
                continue
            buf.append(c)
            q += 1
        inner = "".join(buf)
        body = self._script(inner, self.line)
        self.line += inner.count("\n")
        self.pos = q + 1
        return CmdSub(body, quoted)
