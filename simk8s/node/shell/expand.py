"""Word expansion helpers: field building, globbing against a FileSystem, shell arithmetic."""

from __future__ import annotations

import ast
import fnmatch
import functools
import itertools
import re
from collections.abc import Callable, Mapping

from simk8s.node.shell.sandbox import Kill
from simk8s.node.shell.syntax import Lit, Word
from simk8s.node.vfs import FileSystem, normalize

__all__ = ["Fields", "arith", "brace_expand", "glob", "glob_escape", "remove_affix"]

_GLOB_CHARS = "*?["
_PATTERN = re.compile(r"[*?]|\[[^\]]+\]")


_GLOB_CHAR = re.compile(r"([*?\[])")


def glob_escape(text: str) -> str:
    """``text`` as an fnmatch pattern that matches only itself."""
    return _GLOB_CHAR.sub(r"[\1]", text)


class Fields:
    """Accumulates expanded text into fields, tracking which characters may glob.

    More than ``limit`` characters is more than the shell's memory holds: the OOM killer ends it
    before the text is ever joined.
    """

    def __init__(self, limit: int = 1 << 62) -> None:
        self.done: list[tuple[str, str, bool]] = []  # (value, pattern, globbable)
        self._val: list[str] = []
        self._pat: list[str] = []
        self._raw: list[str] = []  # unquoted text, quoted runs as "\0": decides globbing
        self._started = False
        self.limit = limit
        self.size = 0

    def add(self, text: str, quoted: bool) -> None:
        """Text that is not field-split (literals, or anything inside double quotes)."""
        self.size += len(text)
        if self.size > self.limit:
            raise Kill(9, f"an expansion of more than {self.limit} characters")
        self._val.append(text)
        if quoted:
            self._pat.append(glob_escape(text))
            self._raw.append("\0")
            self._started = True
        else:
            self._pat.append(text)
            self._raw.append(text)
            self._started = self._started or bool(text)

    def add_split(self, text: str, ifs: str = " \t\n") -> None:
        """The result of an unquoted expansion: split on ``IFS`` as POSIX says (runs of IFS
        whitespace separate once; each other IFS character ends a field, maybe an empty one)."""
        if not ifs:
            self.add(text, quoted=False)
            return
        pattern, other = _ifs_pattern("".join(dict.fromkeys(ifs)))  # a doubled IFS is the same IFS
        pos = 0
        for m in pattern.finditer(text):
            if m.start() == m.end():
                continue
            piece = text[pos:m.start()]
            if piece:
                self.add(piece, quoted=False)
            sep = m.group()
            self.end(force=any(c in sep for c in other))  # over IFS's few characters, not the run
            pos = m.end()
        if text[pos:]:
            self.add(text[pos:], quoted=False)

    def end(self, force: bool = False) -> None:
        """Finish the current field; ``force`` keeps it even when empty."""
        if self._started or force:
            # `*`, `?` or a complete `[...]` outside quotes make a pattern; a lone `[` does not
            globbable = _PATTERN.search("".join(self._raw)) is not None
            self.done.append(("".join(self._val), "".join(self._pat), globbable))
        self._val, self._pat, self._raw, self._started = [], [], [], False

    def start(self) -> None:
        """Force a (possibly empty) field to exist, as ``""`` does."""
        self._started = True


@functools.lru_cache(maxsize=64)
def _ifs_pattern(ifs: str) -> tuple[re.Pattern[str], str]:
    """The separator pattern for ``ifs`` (distinct characters) and its non-whitespace part."""
    white = "".join(c for c in ifs if c in " \t\n")
    other = "".join(c for c in ifs if c not in " \t\n")
    w = f"[{re.escape(white)}]*" if white else ""
    alternatives = [f"{w}[{re.escape(other)}]{w}"] if other else []
    if white:
        alternatives.append(f"[{re.escape(white)}]+")
    return re.compile("|".join(alternatives)), other


_BRACE = re.compile(r"\{([^{}]*)\}")


def brace_expand(word: Word, most: int = 1 << 20) -> list[Word]:
    """bash/zsh brace expansion (``web-{0..4}``, ``{a,b}``) within unquoted literal text.

    More than ``most`` words is more than the shell's memory holds: the OOM killer ends it
    (before any is made, when the braces side by side already multiply past it).
    """
    estimate = 1
    for part in word:
        if isinstance(part, Lit) and not part.quoted:
            for m in _BRACE.finditer(part.text):
                estimate *= max(1, _count(m.group(1)))
    if estimate > most:
        raise Kill(9, f"brace expansion of more than {most} words")
    for i, part in enumerate(word):
        if not isinstance(part, Lit) or part.quoted:
            continue
        for m in _BRACE.finditer(part.text):
            alts = _alternatives(m.group(1), most)
            if alts is None:
                continue
            pre, post = part.text[:m.start()], part.text[m.end():]
            out: list[Word] = []
            for alt in alts:
                out.extend(brace_expand((*word[:i], Lit(pre + alt + post), *word[i + 1:]), most))
                if len(out) > most:
                    raise Kill(9, f"brace expansion of more than {most} words")
            return out
    return [word]


def _count(inner: str) -> int:
    """How many words ``{inner}`` expands to (0 when it is not a brace expression)."""
    m = re.fullmatch(r"(-?\d{1,18})\.\.(-?\d{1,18})(?:\.\.(-?\d{1,18}))?", inner)
    if m:
        step = abs(int(m.group(3) or 1)) or 1
        return abs(int(m.group(2)) - int(m.group(1))) // step + 1
    if re.fullmatch(r"[A-Za-z]\.\.[A-Za-z]", inner):
        return abs(ord(inner[-1]) - ord(inner[0])) + 1
    return inner.count(",") + 1 if "," in inner else 0


def _alternatives(inner: str, most: int) -> list[str] | None:
    m = re.fullmatch(r"(-?\d+)\.\.(-?\d+)(?:\.\.(-?\d+))?", inner)
    if m:
        if max(len(g) for g in m.groups() if g) > 18:
            return None  # bash leaves a range it cannot hold in a 64-bit integer as it is
        a, b = int(m.group(1)), int(m.group(2))
        step = abs(int(m.group(3) or 1)) or 1
        nums = range(a, b + 1, step) if a <= b else range(a, b - 1, -step)
        if len(nums) > most:
            raise Kill(9, f"brace expansion of more than {most} words")
        padded = any(len(g.lstrip("-")) > 1 and g.lstrip("-").startswith("0") for g in m.groups()[:2])
        width = max(len(m.group(1)), len(m.group(2))) if padded else 0
        return [f"{n:0{width}d}" for n in nums]
    m = re.fullmatch(r"([A-Za-z])\.\.([A-Za-z])", inner)
    if m:
        a, b = ord(m.group(1)), ord(m.group(2))
        return [chr(c) for c in (range(a, b + 1) if a <= b else range(a, b - 1, -1))]
    return inner.split(",") if "," in inner else None


def glob(fs: FileSystem, cwd: str, pattern: str) -> list[str]:
    """Paths matching ``pattern`` (relative results stay relative), sorted; [] when none."""
    absolute = pattern.startswith("/")
    comps = [c for c in pattern.split("/") if c]
    results = [("/" if absolute else "", normalize(".", cwd) if not absolute else "/")]
    for i, comp in enumerate(comps):
        last = i == len(comps) - 1
        nxt: list[tuple[str, str]] = []
        for shown, real in results:
            if not any(c in comp for c in _GLOB_CHARS):
                name = comp
                cand = normalize(name, real)
                if fs.exists(cand) and (last or fs.isdir(cand)):
                    nxt.append((_join(shown, name), cand))
                continue
            try:
                names = fs.listdir(real)
            except OSError:
                continue
            for name in names:
                if name.startswith(".") and not comp.startswith("."):
                    continue
                if fnmatch.fnmatchcase(name, comp):
                    cand = normalize(name, real)
                    if last or fs.isdir(cand):
                        nxt.append((_join(shown, name), cand))
        results = nxt
    return sorted(shown for shown, _ in results)


def _join(shown: str, name: str) -> str:
    if not shown:
        return name
    return shown + name if shown.endswith("/") else shown + "/" + name


def remove_affix(value: str, op: str, pattern: str, tick: Callable[[int], None] | None = None) -> str:
    """``${v#p}``, ``${v##p}``, ``${v%p}``, ``${v%%p}``.

    Only cut points next to the pattern's literal end character are tried, and ``tick(n)`` is
    told the length of every candidate tried, so a huge value costs budget, not a hang.
    """
    n = len(value)
    prefix = op in ("#", "##")
    edge = pattern[-1:] if prefix else pattern[:1]
    literal = edge not in ("", "*", "?", "]", "[", "\\")
    if prefix:
        rng = range(n + 1) if op == "#" else range(n, -1, -1)
    else:
        rng = range(n, -1, -1) if op == "%" else range(n + 1)
    for i in rng:
        if literal and (value[i - 1:i] if prefix else value[i:i + 1]) != edge:
            continue
        part = value[:i] if prefix else value[i:]
        if tick is not None:
            tick(len(part))
        if fnmatch.fnmatchcase(part, pattern):
            return value[i:] if prefix else value[:i]
    return value


class ArithError(ValueError):
    """A bad arithmetic expression; the message is dash's complaint, :meth:`bash_text` bash's."""

    def __init__(self, message: str, expr: str, division: bool = False) -> None:
        super().__init__(message)
        self.expr = expr
        self.division = division

    def bash_text(self) -> str:
        shown = self.expr.lstrip()
        if self.division:
            after = re.split(r"[/%]", shown)[-1].lstrip()
            return f'{shown}: division by 0 (error token is "{after}")'
        tokens = list(re.finditer(r"\d+|\w+|[()]|[^\s\w()]+", shown))
        token = ""
        for prev, cur in itertools.pairwise(tokens):
            if not re.match(r"[\w()]", prev.group()) and not re.match(r"[\w()!~-]", cur.group()):
                token = shown[cur.start():]
                break
        else:
            if tokens and not re.match(r"[\w)]", tokens[-1].group()):
                token = shown[tokens[-1].start():]
        return f'{shown}: syntax error: operand expected (error token is "{token}")'


_MOD = 1 << 64


def wrap64(n: int) -> int:
    """``n`` as the shells' ``intmax_t`` holds it: two's complement, 64 bits."""
    return (n + (1 << 63)) % _MOD - (1 << 63)


def _number(digits: str, base: int = 10) -> int:
    """A literal of any length, wrapped to 64 bits digit by digit (never a huge integer)."""
    if len(digits) <= 18:
        return wrap64(int(digits, base))
    n = 0
    for i in range(0, len(digits), 16):
        chunk = digits[i:i + 16]
        n = (n * pow(base, len(chunk), _MOD) + int(chunk, base)) % _MOD
    return wrap64(n)


# Every operation wraps to 64 bits as C's does: $((2**100000000)) is 0 in bash, instantly.
_ARITH_OPS = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Pow: lambda a, b: pow(a, b, _MOD) if b >= 0 else 0,
    ast.LShift: lambda a, b: a << (b & 63),  # x86 shifts by the count modulo 64
    ast.RShift: lambda a, b: a >> (b & 63),
    ast.BitAnd: lambda a, b: a & b,
    ast.BitOr: lambda a, b: a | b,
    ast.BitXor: lambda a, b: a ^ b,
}
_CMP_OPS = {
    ast.Lt: lambda a, b: a < b, ast.LtE: lambda a, b: a <= b, ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b, ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b,
}


def arith(expr: str, lookup: Mapping[str, str], octal: bool = True) -> int:
    """Evaluate a ``$((...))`` expression (already parameter-expanded) with C integer rules;
    a leading 0 means octal unless ``octal`` is False (zsh)."""
    text = re.sub(r"\b0[xX][0-9a-fA-F]+\b|\b0[0-7]+\b",
                  lambda m: str(_number(m.group()[2:], 16) if m.group()[1:2] in "xX"
                                else _number(m.group(), 8 if octal else 10)), expr)
    text = re.sub(r"(?<![0-9])[A-Za-z_][A-Za-z0-9_]*", lambda m: _var(lookup, m.group()), text)
    text = re.sub(r"\d{19,}", lambda m: str(_number(m.group())), text)
    text = text.replace("&&", " and ").replace("||", " or ")
    text = re.sub(r"!(?!=)", " not ", text)
    if not text.strip():
        return 0
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        raise ArithError(f"arithmetic expression: expecting primary: \"{expr}\"", expr) from None
    try:
        return _eval(tree.body, expr)
    except RecursionError:  # bash: "expression recursion level exceeded"
        raise ArithError(f"arithmetic expression: expecting primary: \"{expr}\"", expr) from None


def _var(lookup: Mapping[str, str], name: str) -> str:
    value = lookup.get(name, "").strip() or "0"
    if not re.fullmatch(r"-?\d+", value):
        return "0"
    n = _number(value.lstrip("-"))
    return str(wrap64(-n) if value.startswith("-") else n)


def _eval(node: ast.expr, expr: str) -> int:
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return wrap64(int(node.value))
    if isinstance(node, ast.UnaryOp):
        v = _eval(node.operand, expr)
        if isinstance(node.op, ast.USub):
            return wrap64(-v)
        if isinstance(node.op, ast.Not):
            return int(not v)
        if isinstance(node.op, ast.Invert):
            return ~v
        return v
    if isinstance(node, ast.BinOp):
        a, b = _eval(node.left, expr), _eval(node.right, expr)
        if isinstance(node.op, ast.Div | ast.FloorDiv | ast.Mod):
            if b == 0:
                raise ArithError("arithmetic expression: division by zero: " + f'"{expr}"', expr, True)
            q = abs(a) // abs(b) * (1 if (a >= 0) == (b >= 0) else -1)
            return wrap64(q if not isinstance(node.op, ast.Mod) else a - q * b)
        fn = _ARITH_OPS.get(type(node.op))
        if fn is not None:
            return wrap64(int(fn(a, b)))
    if isinstance(node, ast.BoolOp):
        vals = [_eval(v, expr) for v in node.values]
        return int(all(vals)) if isinstance(node.op, ast.And) else int(any(vals))
    if isinstance(node, ast.Compare):
        left = _eval(node.left, expr)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = _eval(right_node, expr)
            cmp = _CMP_OPS.get(type(op))
            if cmp is None or not cmp(left, right):
                return 0
            left = right
        return 1
    raise ArithError(f"arithmetic expression: expecting primary: \"{expr}\"", expr)
