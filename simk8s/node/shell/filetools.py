"""File tools for simulated images: cat, ls, mkdir, rm, cp, mv, touch, head, tail, grep, wc,
sort and tee, worded as GNU coreutils (or busybox, in a busybox image) word them.

They read their operands through :func:`simk8s.node.shell.toolkit.sources`, streaming a pipe a piece
at a time; :data:`COMMANDS` maps each name to its implementation.
"""

from __future__ import annotations

import collections
import itertools
import re
import time

from simk8s.node.shell.context import Command, CommandContext, Input
from simk8s.node.shell.toolkit import busybox, now, parse_opts, read_inputs, sources, tool, why

__all__ = ["COMMANDS"]


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _cat(ctx: CommandContext) -> int:
    opts, files = parse_opts(ctx, "uAns")
    status = 0
    number = 0
    for _name, source in sources(ctx, files, "cat"):
        if source is None:
            status = 1
        elif "n" in opts:
            for line in source.iter_lines():
                number += 1
                ctx.out(f"{number:6d}\t{line}")
        else:
            for piece in source.iter_chunks():
                ctx.out(piece)
    return status


def _mode_string(is_dir: bool, mode: int) -> str:
    bits = "".join(c if mode & (1 << (8 - i)) else "-" for i, c in enumerate("rwxrwxrwx"))
    return ("d" if is_dir else "-") + bits


def _ls(ctx: CommandContext) -> int:
    opts, paths = parse_opts(ctx, "laA1dhR")
    status = 0
    fs = ctx.fs
    files: list[str] = []
    dirs: list[str] = []
    for p in paths or ["."]:
        full = ctx.path(p)
        if not fs.exists(full):
            if busybox(ctx):
                ctx.err(f"ls: {p}: No such file or directory\n")
                status = 1
            else:
                ctx.err(f"ls: cannot access '{p}': No such file or directory\n")
                status = 2
        elif fs.isdir(full) and "d" not in opts:
            dirs.append(p)
        else:
            files.append(p)

    def show(names: list[str], base: str | None) -> None:
        if "l" not in opts:
            if ctx.isatty(ctx.stdout) and "1" not in opts:
                ctx.out(_columns(names, tabs=not busybox(ctx)))
            else:
                ctx.out("".join(n + "\n" for n in names))
            return
        rows = []
        total = 0
        today = now(ctx)
        for n in names:
            st = fs.stat(ctx.path(n if base is None else f"{base}/{n}"))
            total += 4 if st.is_dir or st.size else 0
            # both ls show the year instead of the time for files over six months old (or future)
            recent = today - 15_778_476 <= st.mtime <= today + 60 or today == 0.0
            stamp = time.strftime("%b %e %H:%M" if recent else "%b %e  %Y", time.gmtime(st.mtime))
            rows.append((_mode_string(st.is_dir, st.mode), str(st.size), stamp, n))
        if base is not None:
            ctx.out(f"total {total}\n")
        width = max((len(r[1]) for r in rows), default=1)
        for mode, size, stamp, n in rows:
            links = "2" if mode[0] == "d" else "1"
            if busybox(ctx):
                ctx.out(f"{mode} {links:>4} {'root':<8} {'root':<8} {size:>9} {stamp} {n}\n")
            else:
                ctx.out(f"{mode} {links} root root {size:>{width}} {stamp} {n}\n")

    show(sorted(files), None)
    for i, d in enumerate(sorted(dirs)):
        names = fs.listdir(ctx.path(d))
        if "a" in opts:
            names = [".", "..", *names]
        elif "A" not in opts:
            names = [n for n in names if not n.startswith(".")]
        if len(paths) > 1:
            ctx.out(("\n" if i or files else "") + f"{d}:\n")
        show(sorted(names), d)  # containers run in the C locale: byte order
    return status


def _pad(start: int, stop: int, tabs: bool) -> str:
    """GNU ls moves to the next column with tabs (stops every 8) and then spaces."""
    out = []
    while start < stop:
        if tabs and stop // 8 > (start + 1) // 8:
            out.append("\t")
            start += 8 - start % 8
        else:
            out.append(" ")
            start += 1
    return "".join(out)


def _columns(names: list[str], width: int = 80, tabs: bool = True) -> str:
    """``ls -C`` on a terminal: the most columns that fit, filled top to bottom, two spaces apart."""
    if not names:
        return ""
    best = [names]
    for ncols in range(2, len(names) + 1):
        nrows = -(-len(names) // ncols)
        cols = [names[i:i + nrows] for i in range(0, len(names), nrows)]
        if sum(max(len(n) for n in col) + 2 for col in cols) - 2 < width:
            best = cols
    nrows = len(best[0])
    widths = [max(len(n) for n in col) + 2 for col in best]
    lines = []
    for r in range(nrows):
        cells = [(col[r], w) for col, w in zip(best, widths, strict=True) if r < len(col)]
        line, pos = "", 0
        for i, (name, w) in enumerate(cells):
            line += name
            if i < len(cells) - 1:
                line += _pad(pos + len(name), pos + w, tabs)
            pos += w
        lines.append(line)
    return "".join(line + "\n" for line in lines)


def _mkdir(ctx: CommandContext) -> int:
    opts, paths = parse_opts(ctx, "pv", "m")
    status = 0
    for p in paths:
        try:
            ctx.fs.mkdir(ctx.path(p), parents="p" in opts)
        except OSError as e:
            what = "can't create directory" if busybox(ctx) else "cannot create directory"
            ctx.err(f"mkdir: {what} '{p}': {why(e)}\n")
            status = 1
    return status


def _rm(ctx: CommandContext) -> int:
    opts, paths = parse_opts(ctx, "rRfiv")
    recursive = "r" in opts or "R" in opts
    status = 0
    for p in paths:
        full = ctx.path(p)
        if not ctx.fs.exists(full):
            if "f" not in opts:
                verb = "can't remove" if busybox(ctx) else "cannot remove"
                ctx.err(f"rm: {verb} '{p}': No such file or directory\n")
                status = 1
            continue
        if ctx.fs.isdir(full) and not recursive:
            ctx.err(f"rm: '{p}' is a directory\n" if busybox(ctx)
                    else f"rm: cannot remove '{p}': Is a directory\n")
            status = 1
            continue
        try:
            ctx.fs.remove(full, recursive=recursive)
        except OSError as e:
            ctx.err(f"rm: cannot remove '{p}': {why(e)}\n")
            status = 1
    return status


def _copy_tree(ctx: CommandContext, src: str, dst: str) -> None:
    fs = ctx.fs
    if fs.isdir(src):
        fs.mkdir(dst, parents=True)
        for n in fs.listdir(src):
            _copy_tree(ctx, f"{src}/{n}", f"{dst}/{n}")
    else:
        fs.write(dst, fs.read(src))


def _target(ctx: CommandContext, src: str, dst: str) -> str:
    full = ctx.path(dst)
    return f"{full.rstrip('/')}/{src.rstrip('/').rsplit('/', 1)[-1]}" if ctx.fs.isdir(full) else full


def _cp_mv(ctx: CommandContext) -> int:
    move = ctx.name == "mv"
    opts, paths = parse_opts(ctx, "rRfaipv" if not move else "fivn")
    program = ctx.name
    if len(paths) < 2:
        ctx.err(f"{program}: missing file operand\n" if not paths else
                f"{program}: missing destination file operand after '{paths[0]}'\n")
        if not busybox(ctx):
            ctx.err(f"Try '{program} --help' for more information.\n")
        return 1
    *srcs, dst = paths
    status = 0
    for s in srcs:
        src = ctx.path(s)
        if not ctx.fs.exists(src):
            verb = ("can't rename" if move else "can't stat") if busybox(ctx) else "cannot stat"
            ctx.err(f"{program}: {verb} '{s}': No such file or directory\n")
            status = 1
            continue
        target = _target(ctx, s, dst)
        try:
            if move:
                try:
                    ctx.fs.rename(src, target)
                except OSError as e:
                    if e.errno != 18:  # EXDEV: copy across the mount, then delete
                        raise
                    _copy_tree(ctx, src, target)
                    ctx.fs.remove(src, recursive=True)
            elif ctx.fs.isdir(src) and not ({"r", "R", "a"} & set(opts)):
                ctx.err(f"cp: omitting directory '{s}'\n" if busybox(ctx)
                        else f"cp: -r not specified; omitting directory '{s}'\n")
                status = 1
            else:
                _copy_tree(ctx, src, target)
        except OSError as e:
            verb = "cannot move" if move else "cannot create regular file"
            ctx.err(f"{program}: {verb} '{dst}': {why(e)}\n")
            status = 1
    return status


def _touch(ctx: CommandContext) -> int:
    _, paths = parse_opts(ctx, "acm")
    status = 0
    for p in paths:
        try:
            ctx.fs.write(ctx.path(p), "", append=True)
        except OSError as e:
            ctx.err(f"touch: {p}: {why(e)}\n" if busybox(ctx)
                    else f"touch: cannot touch '{p}': {why(e)}\n")
            status = 1
    return status


def _head_tail(ctx: CommandContext) -> int:
    opts, files = parse_opts(ctx, "#qvf", "nc")
    count = opts.get("n", opts.get("#", "10"))
    program = ctx.name
    from_start = count.startswith("+")
    try:
        n = int(count.lstrip("+-"))
    except ValueError:
        ctx.err(f"{program}: invalid number of lines: '{count}'\n")
        return 1
    status = 0
    inputs = list(sources(ctx, files, program))
    if program == "tail" and busybox(ctx) and all(source is None for _, source in inputs):
        ctx.err("tail: no files\n")
        return 1
    for i, (name, source) in enumerate(inputs):
        if source is None:
            status = 1
            continue
        if len(inputs) > 1:
            ctx.out(("\n" if i else "") + f"==> {'standard input' if name == '-' else name} <==\n")
        # Streamed: head stops reading after n lines (its writer then gets SIGPIPE), tail keeps
        # only the last n.
        lines = source.iter_lines()
        if program == "head":
            ctx.out("".join(itertools.islice(lines, n)))
        elif from_start:
            for line in itertools.islice(lines, max(n - 1, 0), None):
                ctx.out(line)
        else:
            ctx.out("".join(collections.deque(lines, maxlen=n)) if n else "")
            collections.deque(lines, maxlen=0)  # tail reads to the end even for -n 0
    return status


def _grep(ctx: CommandContext) -> int:
    opts, args = parse_opts(ctx, "vcilnqEFshwo", "e")
    if "e" in opts:
        pattern = opts["e"]
    elif args:
        pattern, args = args[0], args[1:]
    else:
        ctx.err("Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n")
        return 2
    flags = re.IGNORECASE if "i" in opts else 0
    if "F" in opts:
        src = re.escape(pattern)
    elif "E" in opts:
        src = pattern
    else:  # basic regex: \( \) \| \{ \} are the operators; bare ones are literal
        src = re.sub(r"\\([(){}|+?])|([(){}|+?])", lambda m: m.group(1) or "\\" + m.group(2), pattern)
    if "w" in opts:
        src = rf"\b(?:{src})\b"
    try:
        rx = re.compile(src, flags)
    except re.error:
        ctx.err("grep: Unmatched ( or \\(\n")
        return 2
    found, status = False, 0
    multi = len(args) > 1 and "h" not in opts
    for name, source in sources(ctx, args, "grep"):
        if source is None:
            status = 2
            continue
        count = 0
        for no, line in enumerate((x.rstrip("\n") for x in source.iter_lines()), 1):
            if bool(rx.search(line)) == ("v" in opts):
                continue
            count += 1
            found = True
            if "q" in opts:
                return 0
            if "c" in opts or "l" in opts:
                continue
            prefix = (f"{'(standard input)' if name == '-' else name}:" if multi else "") + (
                f"{no}:" if "n" in opts else "")
            if "o" in opts and "v" not in opts:  # -o: each match on its own line
                ctx.out("".join(prefix + m.group() + "\n" for m in rx.finditer(line) if m.group()))
            else:
                ctx.out(prefix + line + "\n")
        if "c" in opts:
            ctx.out((f"{name}:" if multi else "") + f"{count}\n")
        elif "l" in opts and count:
            ctx.out(("(standard input)" if name == "-" else name) + "\n")
    return status or (0 if found else 1)  # GNU: an unreadable file makes it 2 even with matches


def _wc(ctx: CommandContext) -> int:
    opts, files = parse_opts(ctx, "lwcm")
    which = [k for k in "lwc" if k in opts or (k == "c" and "m" in opts)] or ["l", "w", "c"]
    rows: list[tuple[list[int], str]] = []
    status = 0
    for name, source in sources(ctx, files, "wc"):
        if source is None:
            status = 1
            continue
        counts = _count(source, words="w" in which)
        rows.append(([counts[k] for k in which], "" if name == "-" else name))
    if len(rows) > 1:
        rows.append(([sum(r[0][i] for r in rows) for i in range(len(which))], "total"))
    # GNU pads to the digits of the largest count (7 when reading a pipe), except for a single
    # count of a single input; busybox always pads to 7 unless it prints one bare number.
    if len(which) == 1 and len(rows) == 1:
        width = 0
    elif busybox(ctx):
        width = 9
    elif any(not n for _, n in rows):
        width = 7
    else:
        width = max((len(str(v)) for vals, _ in rows for v in vals), default=1)
    for vals, name in rows:
        cells = " ".join(f"{v:>{width}}" for v in vals)
        ctx.out(cells + (f" {name}" if name else "") + "\n")
    return status


def _count(source: Input, words: bool = True) -> dict[str, int]:
    """Lines, words (when asked) and bytes of ``source``, a piece at a time (``seq 1 100000000 |
    wc -l`` holds one piece, never the whole)."""
    lines = nwords = size = 0
    in_word = False
    for piece in source.iter_chunks():
        if not piece:
            continue
        lines += piece.count("\n")
        size += len(piece) if piece.isascii() else len(piece.encode())
        if words:
            parts = piece.split()
            nwords += len(parts)
            if parts and in_word and not piece[0].isspace():
                nwords -= 1  # a word cut in two by the piece boundary
            in_word = not piece[-1].isspace()
    return {"l": lines, "w": nwords, "c": size}


def _sort_key(line: str, spec: str | None, sep: str | None, blanks: bool) -> str:
    """The text ``-k S[,E]`` selects (GNU: a default field keeps its leading blanks unless -b)."""
    if spec is None:
        return line
    start_s, _, end_s = spec.partition(",")
    start = int(re.sub(r"\D.*", "", start_s) or 1)
    end = int(re.sub(r"\D.*", "", end_s)) if end_s else None
    if sep is not None:
        fields = line.split(sep)
        key = sep.join(fields[start - 1:end])
    else:
        fields = re.findall(r"[ \t]*[^ \t]+", line)
        key = "".join(fields[start - 1:end])
    return key.lstrip(" \t") if blanks or "b" in start_s else key


def _sort(ctx: CommandContext) -> int:
    opts, files = parse_opts(ctx, "rnufbs", "kt")
    lines: list[str] = []
    for _, text in read_inputs(ctx, files, "sort"):
        if text is None:
            return 2
        lines.extend(text.splitlines())
    spec, sep = opts.get("k"), opts.get("t")
    # Modifiers on the key (-k4,4n) replace the global ordering options for that key; the global
    # ones still order the last-resort whole-line comparison.
    mods = set(re.sub(r"[\d.,]", "", spec or ""))
    numeric = "n" in (mods or opts)
    folded = "f" in (mods or opts)
    key_reverse = "r" in (mods or opts)
    last_resort = "s" not in opts and "u" not in opts

    def key(line: str) -> tuple[float, str]:
        text = _sort_key(line, spec, sep, "b" in opts)
        text = text.upper() if folded else text
        if numeric:
            m = re.match(r"\s*(-?\d+(?:\.\d+)?)", text)
            return (float(m.group(1)) if m else 0.0, "")
        return (0.0, text)

    if last_resort:
        lines.sort(reverse="r" in opts)
    lines.sort(key=key, reverse=key_reverse)
    if "u" in opts:
        seen: set[tuple[float, str]] = set()
        unique = []
        for line in lines:
            k = key(line)
            if k not in seen:
                seen.add(k)
                unique.append(line)
        lines = unique
    ctx.out("".join(line + "\n" for line in lines))
    return 0


def _tee(ctx: CommandContext) -> int:
    opts, files = parse_opts(ctx, "a")
    status = 0
    ok: list[str] = []
    for f in files:
        try:
            ctx.fs.write(ctx.path(f), "", append="a" in opts)
            ok.append(f)
        except OSError as e:
            ctx.err(f"tee: {f}: {why(e)}\n")
            status = 1
    for piece in ctx.input.iter_chunks():
        for f in ok:
            ctx.fs.write(ctx.path(f), piece, append=True)
        ctx.out(piece)
    return status


COMMANDS: dict[str, Command] = {
    "cat": tool(_cat), "ls": tool(_ls, 2), "mkdir": tool(_mkdir), "rm": tool(_rm),
    "mv": tool(_cp_mv), "cp": tool(_cp_mv), "touch": tool(_touch), "head": tool(_head_tail),
    "tail": tool(_head_tail), "grep": tool(_grep, 2), "wc": tool(_wc), "sort": tool(_sort, 2),
    "tee": tool(_tee),
}
