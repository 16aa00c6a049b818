"""Parse a POSIX sh subset into a small syntax tree.

The parser reads characters directly (as dash does), so quoting, ``$(...)`` nesting and line
numbers come out right. Words stay unexpanded: a :data:`Word` is a tuple of parts that the
interpreter expands at run time. Syntax errors are :class:`ParseError` values carrying what
dash needs to word them (``"done" unexpected``, ``end of file unexpected (expecting "fi")``);
the interpreter renders them per dialect.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from simk8s.shell.nodes import (
    AndOr,
    Arith,
    Assign,
    BraceGroup,
    Case,
    CmdSub,
    For,
    FuncDef,
    HereDoc,
    If,
    Lit,
    Node,
    Param,
    Part,
    Pipeline,
    Redir,
    Sequence,
    Simple,
    Subshell,
    While,
    Word,
)

# The node classes are re-exported so callers can use one module for the whole syntax.
__all__ = [
    "AndOr", "Arith", "Assign", "BraceGroup", "Case", "CmdSub", "For", "FuncDef", "HereDoc", "If", "Lit",
    "Node", "Param", "ParseError", "Part", "Pipeline", "Redir", "Sequence", "Simple", "Subshell", "While",
    "Word", "iter_commands", "parse",
]


# --------------------------------------------------------------------------------------------
# Errors


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
        if self.kind == "IO" or (self.kind == "OP" and self.text in _REDIR_OPS):
            return "redirection"
        if self.kind == "OP" or self.keyword():
            return f'"{self.text}"'
        return "word"


# --------------------------------------------------------------------------------------------
# Lexer


@dataclass
class _Lexer:
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
            doc.body = (Lit(text, True),) if doc.quoted else _Lexer(text).heredoc_word()
        self.heredocs.clear()

    def heredoc_word(self) -> Word:
        """The whole source as an unquoted here-document body: ``$`` and backquotes expand,
        backslash escapes only ``$ ` \\`` and newline, quotes are ordinary characters."""
        parts: list[Part] = []
        buf: list[str] = []
        s = self.src
        while self.pos < len(s):
            c = s[self.pos]
            if c == "\\" and self.pos + 1 < len(s) and s[self.pos + 1] in "$`\\\n":
                if s[self.pos + 1] != "\n":
                    buf.append(s[self.pos + 1])
                self.pos += 2
            elif c in "$`":
                part = self._dollar(True) if c == "$" else self._backquote(True)
                if isinstance(part, Lit):
                    buf.append(part.text)
                else:
                    if buf:
                        parts.append(Lit("".join(buf), True))
                        buf.clear()
                    parts.append(part)
            else:
                buf.append(c)
                self.pos += 1
        if buf:
            parts.append(Lit("".join(buf), True))
        return tuple(parts)

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
                part = self._dollar(False) if c == "$" else self._backquote(False)
                if isinstance(part, Lit):
                    buf.append(part.text)
                else:
                    flush()
                    plain = False
                    parts.append(part)
            else:
                if c == "\n":
                    self.line += 1
                buf.append(c)
                self.pos += 1
        flush()
        return tuple(parts), plain

    def _double_quoted(self) -> list[Part]:
        s = self.src
        parts: list[Part] = []
        buf: list[str] = []
        while True:
            if self.pos >= len(s):
                raise ParseError("", "", self.line, message="Unterminated quoted string", quote='"')
            c = s[self.pos]
            if c == '"':
                self.pos += 1
                break
            if c == "\\" and self.pos + 1 < len(s) and s[self.pos + 1] in '$`"\\\n':
                if s[self.pos + 1] != "\n":
                    buf.append(s[self.pos + 1])
                else:
                    self.line += 1
                self.pos += 2
            elif c in "$`":
                part = self._dollar(True) if c == "$" else self._backquote(True)
                if isinstance(part, Lit):
                    buf.append(part.text)
                else:
                    if buf:
                        parts.append(Lit("".join(buf), True))
                        buf.clear()
                    parts.append(part)
            else:
                if c == "\n":
                    self.line += 1
                buf.append(c)
                self.pos += 1
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
        """Parse a command list up to ``close`` starting at ``self.pos``; leave pos after it."""
        sub = _Parser(_Lexer(self.src, self.pos, self.line))
        body = sub.sequence()
        tok = sub.lex.next()
        if tok.kind == "EOF":
            raise sub.lex.error_eof(f'"{close}"')
        if tok.text != close:
            raise ParseError(tok.dash_name(), tok.text, tok.line, f'"{close}"')
        self.pos, self.line = sub.lex.pos, sub.lex.line
        return body

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
        body = parse(inner, first_line=self.line)
        self.line += inner.count("\n")
        self.pos = q + 1
        return CmdSub(body, quoted)


# --------------------------------------------------------------------------------------------
# Parser


_REDIR_OPS = frozenset({"<", ">", ">>", ">&", "<&", ">|", "<<", "<<-"})
_LIST_END = frozenset({"then", "else", "elif", "fi", "do", "done", "}", "esac"})


class _Parser:
    def __init__(self, lex: _Lexer) -> None:
        self.lex = lex

    def unexpected(self, tok: Token, expecting: str = "") -> ParseError:
        near = self.lex.last if tok.kind == "EOF" else tok.text
        return ParseError(tok.dash_name(), tok.text, tok.line, expecting, near=near)

    def skip_newlines(self) -> None:
        while self.lex.peek().kind == "NEWLINE":
            self.lex.next()

    def _ends_list(self, tok: Token) -> bool:
        return tok.kind == "EOF" or (tok.kind == "OP" and tok.text in (")", ";;")) or (
            tok.keyword() in _LIST_END)

    def sequence(self) -> Sequence:
        """A (possibly empty) list of and-or lists separated by ``;``, ``&`` or newlines."""
        items: list[Node] = []
        self.skip_newlines()
        while not self._ends_list(self.lex.peek()):
            items.append(self.and_or())
            tok = self.lex.peek()
            if (tok.kind == "OP" and tok.text in (";", "&")) or tok.kind == "NEWLINE":
                self.lex.next()
                self.skip_newlines()
            elif not self._ends_list(tok):
                raise self.unexpected(self.lex.next())
        return Sequence(tuple(items))

    def body(self, closer: str) -> Sequence:
        """A non-empty list that must be followed by keyword ``closer`` (consumed)."""
        seq = self.sequence()
        tok = self.lex.next()
        if not seq.items and tok.kind != "EOF":
            raise self.unexpected(tok)
        if tok.keyword() != closer and not (closer == ")" and tok.kind == "OP" and tok.text == ")"):
            raise self.unexpected(tok, f'"{closer}"')
        return seq

    def and_or(self) -> Node:
        first = self.pipeline()
        rest: list[tuple[str, Node]] = []
        while self.lex.peek().kind == "OP" and self.lex.peek().text in ("&&", "||"):
            op = self.lex.next().text
            self.skip_newlines()
            rest.append((op, self.pipeline()))
        return AndOr(first, tuple(rest)) if rest else first

    def pipeline(self) -> Node:
        negate = False
        if self.lex.peek().keyword() == "!":
            self.lex.next()
            negate = True
        cmds = [self.command()]
        while self.lex.peek().kind == "OP" and self.lex.peek().text == "|":
            self.lex.next()
            self.skip_newlines()
            cmds.append(self.command())
        if len(cmds) == 1 and not negate:
            return cmds[0]
        return Pipeline(tuple(cmds), negate)

    def command(self) -> Node:
        tok = self.lex.peek()
        kw = tok.keyword()
        if kw == "for":
            self.lex.next()
            return self.for_()
        if kw == "if":
            self.lex.next()
            return self.if_()
        if kw in ("while", "until"):
            self.lex.next()
            cond = self.body("do")
            return While(cond, self.body("done"), kw == "until", self.redirs())
        if kw == "{":
            self.lex.next()
            return BraceGroup(self.body("}"), self.redirs())
        if tok.kind == "OP" and tok.text == "(":
            self.lex.next()
            return Subshell(self.body(")"), self.redirs())
        if kw == "case":
            self.lex.next()
            return self.case_()
        if tok.kind == "WORD" and tok.plain and kw is None:
            first = self.lex.next()
            nxt = self.lex.peek()
            if nxt.kind == "OP" and nxt.text == "(":  # NAME ( ) compound-command
                self.lex.next()
                close = self.lex.next()
                if not (close.kind == "OP" and close.text == ")"):
                    err = self.unexpected(close, '")"')
                    err.text = "newline" if close.kind == "EOF" else err.text
                    raise err
                self.skip_newlines()
                return FuncDef(first.text, self.command())
            self.lex.peeked.append(first)
        return self.simple()

    def case_(self) -> Case:
        wtok = self.lex.next()
        if wtok.kind != "WORD":
            raise self.unexpected(wtok)
        self.skip_newlines()
        tok = self.lex.next()
        if tok.keyword() != "in":
            raise self.unexpected(tok, '"in"')
        items: list[tuple[tuple[Word, ...], Node]] = []
        self.skip_newlines()
        while self.lex.peek().keyword() != "esac":
            if self.lex.peek().kind == "OP" and self.lex.peek().text == "(":
                self.lex.next()
            patterns: list[Word] = []
            while True:
                t = self.lex.next()
                if t.kind != "WORD":
                    raise self.unexpected(t)
                patterns.append(t.word)
                t = self.lex.next()
                if t.kind == "OP" and t.text == ")":
                    break
                if not (t.kind == "OP" and t.text == "|"):
                    raise self.unexpected(t, '")"')
            items.append((tuple(patterns), self.sequence()))
            t = self.lex.peek()
            if t.kind == "OP" and t.text == ";;":
                self.lex.next()
                self.skip_newlines()
            elif t.keyword() != "esac":
                raise self.unexpected(self.lex.next(), '";;"')
        self.lex.next()
        return Case(wtok.word, tuple(items), self.redirs())

    def for_(self) -> For:
        name_tok = self.lex.next()
        if name_tok.kind != "WORD" or not name_tok.plain or not name_tok.text.isidentifier():
            text = "newline" if name_tok.kind in ("EOF", "NEWLINE") else name_tok.text
            raise ParseError("", text, name_tok.line, message="Bad for loop variable",
                             near="for" if text == "newline" else text)
        words: list[Word] | None = None
        self.skip_newlines()
        if self.lex.peek().keyword() == "in":
            self.lex.next()
            words = []
            while self.lex.peek().kind == "WORD":
                words.append(self.lex.next().word)
            tok = self.lex.next()
            if not (tok.kind == "NEWLINE" or (tok.kind == "OP" and tok.text == ";")):
                raise self.unexpected(tok)
        elif self.lex.peek().kind == "OP" and self.lex.peek().text == ";":
            self.lex.next()
        self.skip_newlines()
        tok = self.lex.next()
        if tok.keyword() != "do":
            raise self.unexpected(tok, '"do"')
        body = self.body("done")
        return For(name_tok.text, tuple(words) if words is not None else None, body, self.redirs())

    def if_(self) -> If:
        branches: list[tuple[Node, Node]] = []
        orelse: Node | None = None
        while True:
            cond = self.body("then")
            seq = self.sequence()
            tok = self.lex.next()
            if not seq.items:
                raise self.unexpected(tok)
            branches.append((cond, seq))
            kw = tok.keyword()
            if kw == "elif":
                continue
            if kw == "else":
                orelse = self.body("fi")
                break
            if kw == "fi":
                break
            raise self.unexpected(tok, '"fi"')
        return If(tuple(branches), orelse, self.redirs())

    def redirs(self) -> tuple[Redir, ...]:
        out: list[Redir] = []
        while (r := self.redir()) is not None:
            out.append(r)
        return tuple(out)

    def redir(self) -> Redir | None:
        tok = self.lex.peek()
        fd: int | None = None
        if tok.kind == "IO":
            self.lex.next()
            fd = int(tok.text)
            tok = self.lex.peek()
        if not (tok.kind == "OP" and tok.text in _REDIR_OPS):
            if fd is not None:  # cannot happen: IO tokens are only made before < or >
                raise self.unexpected(tok)
            return None
        self.lex.next()
        target = self.lex.next()
        if target.kind == "EOF":
            raise ParseError(target.dash_name(), "newline", target.line, near=tok.text)
        if target.kind != "WORD":
            raise self.unexpected(target)
        op = tok.text
        if fd is None:
            fd = 0 if op.startswith("<") else 1
        if op.startswith("<<"):
            delimiter = "".join(p.text for p in target.word if isinstance(p, Lit))
            doc = HereDoc(delimiter, op == "<<-", not target.plain)
            self.lex.heredocs.append(doc)
            return Redir(fd, "<<", target.word, doc)
        return Redir(fd, op, target.word)

    def simple(self) -> Simple:
        first = self.lex.peek()
        assigns: list[Assign] = []
        words: list[Word] = []
        redirs: list[Redir] = []
        while True:
            r = self.redir()
            if r is not None:
                redirs.append(r)
                continue
            tok = self.lex.peek()
            if tok.kind != "WORD":
                break
            self.lex.next()
            if not words and (a := _assignment(tok)) is not None:
                assigns.append(a)
            else:
                words.append(tok.word)
        if not (assigns or words or redirs):
            raise self.unexpected(self.lex.next())
        return Simple(tuple(assigns), tuple(words), tuple(redirs), first.line)


def _assignment(tok: Token) -> Assign | None:
    """``NAME=value`` when the name part is unquoted literal text."""
    if not tok.word or not isinstance(tok.word[0], Lit) or tok.word[0].quoted:
        return None
    head = tok.word[0].text
    name, eq, rest = head.partition("=")
    if not eq or not name.isidentifier():
        return None
    value: Word = ((Lit(rest, True),) if rest else ()) + tok.word[1:]
    return Assign(name, value)


def iter_commands(src: str, first_line: int = 1) -> Iterator[Sequence]:
    """Parse ``src`` one complete command (a line's list) at a time, as dash and bash do: the
    commands before a syntax error run before the error is reported."""
    p = _Parser(_Lexer(src, 0, first_line))
    while True:
        p.skip_newlines()
        if p.lex.peek().kind == "EOF":
            return
        items: list[Node] = []
        while True:
            if p._ends_list(p.lex.peek()):
                raise p.unexpected(p.lex.next())
            items.append(p.and_or())
            tok = p.lex.peek()
            if tok.kind == "OP" and tok.text in (";", "&"):
                p.lex.next()
                if p.lex.peek().kind in ("NEWLINE", "EOF"):
                    break
                continue
            if tok.kind in ("NEWLINE", "EOF"):
                break
            raise p.unexpected(p.lex.next())
        yield Sequence(tuple(items))


def parse(src: str, first_line: int = 1) -> Sequence:
    """Parse a whole script; raises :class:`ParseError`."""
    p = _Parser(_Lexer(src, 0, first_line))
    seq = p.sequence()
    tok = p.lex.next()
    if tok.kind != "EOF":
        raise p.unexpected(tok)
    return seq
