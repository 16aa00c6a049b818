"""Text-processing tools: tr, cut, uniq, basename, dirname, xargs, which, bat, and awk/sed subsets.

awk understands ``[-F SEP] '[PATTERN] {print ITEMS}'`` where a pattern is ``/regex/`` or a
comparison on ``NR``/``NF``/``$N`` and items are ``$N``, ``$NF``, ``NR``, ``NF``, strings,
joined by ``,`` (OFS) or juxtaposition; sed understands ``s/RE/REPL/[g]``, ``/RE/d``, ``/RE/p``
with ``-n``, ``Nd`` and ``-i``. Programs outside those subsets are refused with a clear message
rather than misinterpreted.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from simk8s.node.shell.context import Command, CommandContext, Input
from simk8s.node.shell.toolkit import parse_opts, read_inputs, tool

__all__ = ["COMMANDS"]


def _expand_set(spec: str) -> str:
    """tr's SET syntax: ranges ``a-z``, escapes ``\\n \\t \\\\``, classes ``[:upper:]`` etc."""
    classes = {"[:upper:]": "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "[:lower:]": "abcdefghijklmnopqrstuvwxyz",
               "[:digit:]": "0123456789", "[:space:]": " \t\n\r\f\v", "[:blank:]": " \t"}
    for name, chars in classes.items():
        spec = spec.replace(name, chars)
    spec = spec.replace("\\n", "\n").replace("\\t", "\t").replace("\\\\", "\\")
    out: list[str] = []
    i = 0
    while i < len(spec):
        if i + 2 < len(spec) and spec[i + 1] == "-":
            out.extend(chr(c) for c in range(ord(spec[i]), ord(spec[i + 2]) + 1))
            i += 3
        else:
            out.append(spec[i])
            i += 1
    return "".join(out)


def _tr(ctx: CommandContext) -> int:
    opts, sets = parse_opts(ctx, "dsc")
    if not sets or (len(sets) < 2 and "d" not in opts and "s" not in opts):
        ctx.err("tr: missing operand\nTry 'tr --help' for more information.\n")
        return 1
    text = ctx.stdin
    first = _expand_set(sets[0])
    if "d" in opts:
        text = "".join(c for c in text if (c in first) == ("c" in opts))
        squeeze = _expand_set(sets[1]) if len(sets) > 1 else ""
    elif len(sets) > 1:
        second = _expand_set(sets[1])
        second = second + second[-1:] * (len(first) - len(second))
        text = text.translate(str.maketrans(first, second[:len(first)]))
        squeeze = second
    else:
        squeeze = first
    if "s" in opts and squeeze:
        text = re.sub("([" + re.escape(squeeze) + "])\\1+", r"\1", text)
    ctx.out(text)
    return 0


def _ranges(spec: str) -> Callable[[int], bool]:
    parts = []
    for piece in spec.split(","):
        lo, dash, hi = piece.partition("-")
        start = int(lo) if lo else 1
        end = (int(hi) if hi else 10**9) if dash else start
        parts.append((start, end))
    return lambda n: any(a <= n <= b for a, b in parts)


def _cut(ctx: CommandContext) -> int:
    opts, files = parse_opts(ctx, "s", "dfc")
    if "f" not in opts and "c" not in opts:
        ctx.err("cut: you must specify a list of bytes, characters, or fields\n"
                "Try 'cut --help' for more information.\n")
        return 1
    delim = opts.get("d", "\t")
    status = 0
    for _, text in read_inputs(ctx, files, "cut"):
        if text is None:
            status = 1
            continue
        for line in text.splitlines():
            if "c" in opts:
                keep = _ranges(opts["c"])
                ctx.out("".join(c for i, c in enumerate(line, 1) if keep(i)) + "\n")
            elif delim not in line:
                if "s" not in opts:
                    ctx.out(line + "\n")
            else:
                keep = _ranges(opts["f"])
                ctx.out(delim.join(f for i, f in enumerate(line.split(delim), 1) if keep(i)) + "\n")
    return status


def _uniq(ctx: CommandContext) -> int:
    opts, files = parse_opts(ctx, "cdu")
    text = next(iter(read_inputs(ctx, files[:1], "uniq")))[1]
    if text is None:
        return 1
    groups: list[tuple[str, int]] = []
    for line in text.splitlines():
        if groups and groups[-1][0] == line:
            groups[-1] = (line, groups[-1][1] + 1)
        else:
            groups.append((line, 1))
    for line, n in groups:
        if ("d" in opts and n < 2) or ("u" in opts and n > 1):
            continue
        ctx.out(f"{n:>7} {line}\n" if "c" in opts else line + "\n")
    return 0


def _basename(ctx: CommandContext) -> int:
    args = ctx.argv[1:]
    if not args:
        ctx.err("basename: missing operand\nTry 'basename --help' for more information.\n")
        return 1
    name = args[0].rstrip("/").rsplit("/", 1)[-1] or "/"
    if len(args) > 1 and name.endswith(args[1]) and name != args[1]:
        name = name[: -len(args[1])]
    ctx.out(name + "\n")
    return 0


def _dirname(ctx: CommandContext) -> int:
    if len(ctx.argv) < 2:
        ctx.err("dirname: missing operand\nTry 'dirname --help' for more information.\n")
        return 1
    for arg in ctx.argv[1:]:
        stripped = arg.rstrip("/")
        head = stripped.rsplit("/", 1)[0] if "/" in stripped else "."
        ctx.out((head.rstrip("/") or "/") + "\n")
    return 0


def _which(ctx: CommandContext) -> int:
    status = 0
    for name in ctx.argv[1:]:
        if name in ctx.shell.commands:
            ctx.out(f"/usr/bin/{name}\n")
        else:
            status = 1
    return status


def _xargs(ctx: CommandContext) -> int:
    opts, cmd = parse_opts(ctx, "rt", "nI")
    cmd = cmd or ["echo"]
    items = ctx.stdin.split() if "I" not in opts else ctx.stdin.splitlines()
    if not items and "r" in opts:
        return 0
    if "I" in opts:
        batches = [[a.replace(opts["I"], item) for a in cmd] for item in items]
    else:
        size = int(opts.get("n", "0") or 0) or max(len(items), 1)
        batches = [cmd + items[i:i + size] for i in range(0, max(len(items), 1), size)]
    status = 0
    for argv in batches:
        prog = ctx.shell.commands.get(argv[0])
        if prog is None:
            ctx.err(f"xargs: {argv[0]}: No such file or directory\n")
            return 127
        sub = CommandContext(argv, Input(""), ctx.stdout, ctx.stderr, ctx.env, ctx.fs,
                             ctx.cwd, ctx.shell, ctx.services)
        if prog(sub) != 0:
            status = 123
    return status


# ---- awk ------------------------------------------------------------------------------------

_AWK = re.compile(r"^\s*(?P<pattern>/(?:[^/\\]|\\.)*/|[^{]*?)?\s*(\{\s*(?P<action>[^}]*)\}\s*)?$", re.S)
_AWK_ITEM = re.compile(r'\s*(\$NF|\$\d+|\$\(NF-\d+\)|NR|NF|"(?:[^"\\]|\\.)*"|,)')


def _awk_items(action: str) -> list[str] | None:
    action = action.strip().rstrip(";").strip()
    if action in ("", "print", "print $0"):
        return ["$0"]
    if not action.startswith("print"):
        return None
    rest, items, pos = action[5:], [], 0
    while pos < len(rest):
        if not rest[pos:].strip():
            break
        m = _AWK_ITEM.match(rest, pos)
        if m is None:
            return None
        items.append(m.group(1))
        pos = m.end()
    return items


def _awk_value(item: str, fields: list[str], line: str, nr: int) -> str:
    nf = len(fields)
    if item == "NR":
        return str(nr)
    if item == "NF":
        return str(nf)
    if item.startswith('"'):
        return item[1:-1].replace('\\"', '"').replace("\\t", "\t").replace("\\n", "\n")
    if item == "$NF":
        index = nf
    elif item.startswith("$("):
        index = nf - int(item[5:-1])
    else:
        index = int(item[1:])
    if index == 0:
        return line
    return fields[index - 1] if 0 < index <= nf else ""


def _awk_match(pattern: str, fields: list[str], line: str, nr: int) -> bool:
    if not pattern:
        return True
    if pattern.startswith("/"):
        return re.search(pattern[1:-1], line) is not None
    m = re.fullmatch(r"\s*(NR|NF|\$\d+)\s*(==|!=|>=|<=|>|<)\s*(\S+)\s*", pattern)
    if m is None:
        raise ValueError(pattern)
    left = _awk_value(m.group(1), fields, line, nr)
    right = m.group(3).strip('"')
    try:
        a: float | str = float(left)
        b: float | str = float(right)
    except ValueError:
        a, b = left, right
    ops: dict[str, Callable[[object, object], bool]] = {
        "==": lambda x, y: x == y, "!=": lambda x, y: x != y,
        ">=": lambda x, y: x >= y, "<=": lambda x, y: x <= y,  # type: ignore[operator]
        ">": lambda x, y: x > y, "<": lambda x, y: x < y}  # type: ignore[operator]
    return ops[m.group(2)](a, b)


def _awk(ctx: CommandContext) -> int:
    opts, args = parse_opts(ctx, "", "Fv")
    if not args:
        ctx.err("usage: awk [-F fs][-v var=value][prog | -f progfile][file ...]\n")
        return 2
    program, files = args[0], args[1:]
    m = _AWK.match(program)
    items = _awk_items(m.group("action") or "") if m else None
    if m is None or items is None:
        ctx.err(f"awk: this simulation understands only '[PATTERN] {{print ...}}': {program}\n")
        return 2
    sep = opts.get("F")
    nr = 0
    for _, text in read_inputs(ctx, files, "awk"):
        if text is None:
            return 2
        for line in text.splitlines():
            nr += 1
            fields = line.split() if sep is None else line.split("\t" if sep == "\\t" else sep)
            try:
                if not _awk_match((m.group("pattern") or "").strip(), fields, line, nr):
                    continue
            except ValueError:
                ctx.err(f"awk: this simulation does not understand the pattern: {m.group('pattern')}\n")
                return 2
            out: list[str] = []
            for i, item in enumerate(items):
                if item == ",":
                    continue
                if out and i > 0 and items[i - 1] == ",":
                    out.append(" ")
                out.append(_awk_value(item, fields, line, nr))
            ctx.out("".join(out) + "\n")
    return 0


# ---- sed ------------------------------------------------------------------------------------


def _bre(pattern: str) -> str:
    return re.sub(r"\\([(){}|+?])|([(){}|+?])", lambda m: m.group(1) or "\\" + m.group(2), pattern)


def _sed_script(script: str) -> Callable[[int, str], tuple[str | None, bool]] | None:
    """One sed command as a function (line number, line) -> (new line or None, print again)."""
    m = re.fullmatch(r"s(.)(.*?)\1(.*?)\1([gp0-9]*)", script, re.S)
    if m:
        rx = re.compile(_bre(m.group(2)))
        repl = re.sub(r"\\(\d)", r"\\g<\1>", m.group(3).replace("\\&", "\0")).replace("&", r"\g<0>")
        repl = repl.replace("\0", "&")
        count = 0 if "g" in m.group(4) else 1
        also_print = "p" in m.group(4)
        return lambda n, line: (rx.sub(repl, line, count=count), also_print and bool(rx.search(line)))
    m = re.fullmatch(r"/(.*)/([dp])", script)
    if m:
        rx = re.compile(_bre(m.group(1)))
        if m.group(2) == "d":
            return lambda n, line: (None if rx.search(line) else line, False)
        return lambda n, line: (line, bool(rx.search(line)))
    m = re.fullmatch(r"(\d+|\$)?([dp])", script)
    if m:
        target, op = m.group(1), m.group(2)

        def numbered(n: int, line: str) -> tuple[str | None, bool]:
            hit = target is None or (target != "$" and int(target) == n)
            if op == "d":
                return (None if hit else line), False
            return line, hit

        return numbered
    return None


def _sed(ctx: CommandContext) -> int:
    opts, args = parse_opts(ctx, "niE", "e")
    script = opts.get("e") or (args.pop(0) if args else "")
    commands = [_sed_script(part.strip()) for part in script.split(";") if part.strip()]
    if not commands or any(c is None for c in commands):
        ctx.err(f"sed: this simulation understands only s///, /re/d, /re/p, Nd and Np: {script}\n")
        return 1
    status = 0
    for name, text in read_inputs(ctx, args, "sed"):
        if text is None:
            status = 2
            continue
        out: list[str] = []
        for n, line in enumerate(text.splitlines(), 1):
            current: str | None = line
            extra = False
            for cmd in commands:
                if current is None:
                    break
                assert cmd is not None
                current, printed = cmd(n, current)
                extra = extra or printed
            if current is not None:
                if extra:
                    out.append(current + "\n")
                if "n" not in opts:
                    out.append(current + "\n")
        if "i" in opts and name != "-":
            ctx.fs.write(ctx.path(name), "".join(out))
        else:
            ctx.out("".join(out))
    return status


def _bat(ctx: CommandContext) -> int:
    """``bat FILE...``: on a terminal, bat's default grid (the seed's ``cat web.yaml``, where ``cat``
    is aliased to bat); the width is ``$COLUMNS`` (the seed's terminal had 201). Piped, it is cat."""
    opts, files = parse_opts(ctx, "pn")
    if not ctx.isatty(ctx.stdout) or "p" in opts:
        status = 0
        for _, text in read_inputs(ctx, files, "bat"):
            if text is None:
                status = 1
            else:
                ctx.out(text)
        return status
    width = int(ctx.env.get("COLUMNS", "80")) if ctx.env.get("COLUMNS", "80").isdigit() else 80
    rule = "─" * (width - 8)
    status = 0
    for name in files or ["-"]:
        try:
            text = ctx.stdin if name == "-" else ctx.fs.read(ctx.path(name))
        except OSError as e:
            ctx.err(f"[bat error]: '{name}': {e.strerror} (os error {e.errno})\n")
            status = 1
            continue
        label = "STDIN" if name == "-" else name
        ctx.out(f"{'─' * 7}┬{rule}\n       │ File: {label}\n{'─' * 7}┼{rule}\n")
        for n, line in enumerate(text.split("\n")[:-1] if text.endswith("\n") else text.split("\n"), 1):
            ctx.out(f"{n:4d}   │ {line}\n")
        ctx.out(f"{'─' * 7}┴{rule}\n")
    return status


COMMANDS: dict[str, Command] = {
    "tr": tool(_tr), "cut": tool(_cut), "uniq": tool(_uniq), "basename": _basename,
    "dirname": _dirname, "which": _which, "xargs": tool(_xargs), "awk": tool(_awk, 2),
    "sed": tool(_sed), "bat": tool(_bat),
}
