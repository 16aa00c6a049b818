"""Parse a POSIX sh subset into a small syntax tree.

The parser reads the tokens of :mod:`simk8s.node.shell.lexer`, which reads characters directly (as
dash does), so quoting, ``$(...)`` nesting and line numbers come out right. Words stay unexpanded: a :data:`Word` is a tuple of parts that the
interpreter expands at run time. Syntax errors are :class:`ParseError` values carrying what
dash needs to word them (``"done" unexpected``, ``end of file unexpected (expecting "fi")``);
the interpreter renders them per dialect.
"""

from __future__ import annotations

from collections.abc import Iterator

from simk8s.node.shell.lexer import REDIR_OPS, Lexer, ParseError, Token
from simk8s.node.shell.nodes import (
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


_LIST_END = frozenset({"then", "else", "elif", "fi", "do", "done", "}", "esac"})


class _Lexer(Lexer):
    """The lexer with the parser's hooks: ``$(...)`` and backquotes parse their commands."""

    def _nested(self, close: str) -> Node:
        sub = _Parser(_Lexer(self.src, self.pos, self.line))
        body = sub.sequence()
        tok = sub.lex.next()
        if tok.kind == "EOF":
            raise sub.lex.error_eof(f'"{close}"')
        if tok.text != close:
            raise ParseError(tok.dash_name(), tok.text, tok.line, f'"{close}"')
        self.pos, self.line = sub.lex.pos, sub.lex.line
        return body

    def _script(self, src: str, first_line: int) -> Node:
        return parse(src, first_line=first_line)


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
        if not (tok.kind == "OP" and tok.text in REDIR_OPS):
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
