"""The syntax tree of a parsed script: word parts and command nodes (all immutable but
:class:`HereDoc`, whose body the lexer fills in when it reaches the next line)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AndOr", "Arith", "Assign", "BraceGroup", "Case", "CmdSub", "For", "FuncDef", "HereDoc", "If", "Lit",
    "Node", "Param", "Part", "Pipeline", "Redir", "Sequence", "Simple", "Subshell", "While", "Word",
]


# --------------------------------------------------------------------------------------------
# Word parts


@dataclass(frozen=True)
class Lit:
    """Literal text; ``quoted`` text is exempt from field splitting and globbing."""

    text: str
    quoted: bool = False


@dataclass(frozen=True)
class Param:
    """``$name``/``${name<op><arg>}``; ``op`` is one of ``:- - := = :+ + :? ? # ## % %% len``."""

    name: str
    quoted: bool = False
    op: str = ""
    arg: Word = ()


@dataclass(frozen=True)
class CmdSub:
    """``$(body)`` or backquotes."""

    body: Node
    quoted: bool = False


@dataclass(frozen=True)
class Arith:
    """``$((expr))``: the raw expression text, expanded and evaluated at run time."""

    expr: str
    quoted: bool = False


Part = Lit | Param | CmdSub | Arith
Word = tuple[Part, ...]


# --------------------------------------------------------------------------------------------
# Commands


@dataclass
class HereDoc:
    """A here-document's body, filled in by the lexer once it reaches the next newline."""

    delimiter: str
    strip_tabs: bool
    quoted: bool
    body: Word = ()


@dataclass(frozen=True)
class Redir:
    fd: int
    op: str  # one of < > >> >& <& >| << <<-
    target: Word
    heredoc: HereDoc | None = None


@dataclass(frozen=True)
class Assign:
    name: str
    value: Word


@dataclass(frozen=True)
class Simple:
    assigns: tuple[Assign, ...]
    words: tuple[Word, ...]
    redirs: tuple[Redir, ...]
    line: int


@dataclass(frozen=True)
class Pipeline:
    commands: tuple[Node, ...]
    negate: bool = False


@dataclass(frozen=True)
class AndOr:
    first: Node
    rest: tuple[tuple[str, Node], ...]  # ("&&" | "||", pipeline)


@dataclass(frozen=True)
class Sequence:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class For:
    name: str
    words: tuple[Word, ...] | None  # None: iterate over "$@"
    body: Node
    redirs: tuple[Redir, ...] = ()


@dataclass(frozen=True)
class If:
    branches: tuple[tuple[Node, Node], ...]
    orelse: Node | None
    redirs: tuple[Redir, ...] = ()


@dataclass(frozen=True)
class While:
    cond: Node
    body: Node
    until: bool = False
    redirs: tuple[Redir, ...] = ()


@dataclass(frozen=True)
class Subshell:
    body: Node
    redirs: tuple[Redir, ...] = ()


@dataclass(frozen=True)
class BraceGroup:
    body: Node
    redirs: tuple[Redir, ...] = ()


@dataclass(frozen=True)
class Case:
    word: Word
    items: tuple[tuple[tuple[Word, ...], Node], ...]
    redirs: tuple[Redir, ...] = ()


@dataclass(frozen=True)
class FuncDef:
    name: str
    body: Node


Node = Simple | Pipeline | AndOr | Sequence | For | If | While | Subshell | BraceGroup | Case | FuncDef
