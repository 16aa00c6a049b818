"""Shell builtins: the commands that change the shell itself, plus echo, printf and test.

``echo``, ``printf``, ``test``/``[``, ``true``, ``false`` and ``pwd`` are also installed as
external commands (``/bin/echo``) by :mod:`simk8s.node.shell.coreutils`; they behave the same.
"""

from __future__ import annotations

import re

from simk8s.node.shell.context import Command, CommandContext
from simk8s.node.shell.control import ExitShell, LoopControl, ReturnFromFunction
from simk8s.node.shell.sandbox import Kill

__all__ = ["BUILTINS", "echo", "printf", "test"]


def _true(ctx: CommandContext) -> int:
    return 0


def _false(ctx: CommandContext) -> int:
    return 1


def _escapes(text: str) -> tuple[str, bool]:
    """Interpret echo/printf ``%b`` backslash escapes; the flag is True after ``\\c``."""
    out: list[str] = []
    i = 0
    table = {"a": "\a", "b": "\b", "e": "\x1b", "f": "\f", "n": "\n", "r": "\r", "t": "\t",
             "v": "\v", "\\": "\\"}
    while i < len(text):
        c = text[i]
        if c != "\\" or i + 1 >= len(text):
            out.append(c)
            i += 1
            continue
        n = text[i + 1]
        if n == "c":
            return "".join(out), True
        if n in table:
            out.append(table[n])
            i += 2
        elif n == "0" or n.isdigit():
            m = re.match(r"0?([0-7]{1,3})", text[i + 1:])
            assert m is not None
            out.append(chr(int(m.group(1), 8)))
            i += 1 + m.end()
        else:
            out.append(c)
            i += 1
    return "".join(out), False


def echo(ctx: CommandContext) -> int:
    """dash's echo takes only ``-n`` and always interprets escapes; bash's and busybox's take
    ``-neE`` and interpret only with ``-e``; zsh's interpret by default."""
    args = ctx.argv[1:]
    dialect = ctx.shell.dialect if ctx.argv[0] == "echo" else "ash"
    newline, interpret = True, dialect in ("dash", "zsh")
    while args and re.fullmatch(r"-[neE]+", args[0]):
        if dialect == "dash" and args[0] != "-n":
            break
        for flag in args[0][1:]:
            if flag == "n":
                newline = False
            else:
                interpret = flag == "e"
        args = args[1:]
    text = " ".join(args)
    if interpret:
        text, stop = _escapes(text)
        if stop:
            ctx.out(text)
            return 0
    ctx.out(text + ("\n" if newline else ""))
    return 0


def printf(ctx: CommandContext) -> int:
    """``printf FORMAT [ARG...]`` with %s %d %i %x %o %c %b %% and width/precision; the format is
    reused while arguments remain."""
    if len(ctx.argv) < 2:
        if ctx.shell.dialect == "bash":
            ctx.err("printf: usage: printf [-v var] format [arguments]\n")
        elif ctx.shell.dialect == "zsh":
            ctx.err(ctx.shell.diag("not enough arguments", "printf") + "\n")
            return 1
        elif ctx.shell.dialect == "ash":
            ctx.err(ctx.shell.diag("usage: printf FORMAT [ARGUMENT...]") + "\n")
        else:
            ctx.err(ctx.shell.diag("usage: printf format [arg ...]", "printf") + "\n")
        return 2
    fmt, args = ctx.argv[1], ctx.argv[2:]
    spec = re.compile(r"%([-+ #0]*)(\d*)(?:\.(\d+))?([sdiouxXcb%])")
    status = 0
    start = 0  # the format is reused from this argument on (an index: no copying of the list)
    while True:
        consumed = 0

        def sub(m: re.Match[str], start: int = start) -> str:
            nonlocal consumed, status
            flags, width, prec, conv = m.groups()
            if conv == "%":
                return "%"
            if max(len(width), len(prec or "")) > 9 or max(int(width or 0), int(prec or 0)) > ctx.shell.limits.memory:
                raise Kill(9, "printf field wider than the shell's memory")
            arg = args[start + consumed] if start + consumed < len(args) else ""
            consumed += 1
            if conv == "b":
                return _escapes(arg)[0]
            if conv == "c":
                return arg[:1]
            if conv == "s":
                return ("%" + flags + width + ("." + prec if prec else "") + "s") % arg
            try:
                num = int(arg or "0", 0) if not arg.startswith("'") else ord(arg[1:2] or "\0")
            except ValueError:
                num = 0
                if ctx.shell.dialect == "ash":
                    ctx.err(ctx.shell.diag(f"invalid number '{arg}'") + "\n")
                elif ctx.shell.dialect != "zsh":  # zsh evaluates it as arithmetic: a name is 0
                    msg = "expected numeric value" if ctx.shell.dialect == "dash" else "invalid number"
                    ctx.err(ctx.shell.diag(f"{arg}: {msg}", "printf") + "\n")
                status = status if ctx.shell.dialect == "zsh" else 1
            conv = "d" if conv in "iu" else conv
            num = max(-(1 << 63), min(num, (1 << 63) - 1))  # strtoimax saturates
            return ("%" + flags + width + ("." + prec if prec else "") + conv) % num

        body = spec.sub(sub, fmt)
        text, stop = _escapes(body)
        ctx.out(text)
        if stop or consumed == 0 or start + consumed >= len(args):
            return status
        start += consumed


def test(ctx: CommandContext) -> int:
    """``test EXPR`` / ``[ EXPR ]``: file, string and integer tests, ``!``, ``-a``, ``-o``."""
    args = ctx.argv[1:]
    # busybox's test names no command in its complaints ("sh: missing ]")
    command = "" if ctx.shell.dialect == "ash" else ctx.name
    if ctx.name == "[":
        if not args or args[-1] != "]":
            missing = {"bash": "missing `]'", "zsh": "']' expected"}.get(ctx.shell.dialect, "missing ]")
            ctx.err(ctx.shell.diag(missing, command) + "\n")
            return 2
        args = args[:-1]
    try:
        return 0 if _test_or(ctx, args) else 1
    except ValueError as e:
        # zsh names the command only for bad numbers ("zsh:test:1: integer expression expected: x")
        if ctx.shell.dialect == "zsh" and "integer expression" not in str(e):
            command = ""
        ctx.err(ctx.shell.diag(str(e), command) + "\n")
        return 2


def _test_or(ctx: CommandContext, args: list[str]) -> bool:
    if "-o" in args[1:-1]:
        i = args.index("-o", 1)
        return _test_or(ctx, args[:i]) or _test_or(ctx, args[i + 1:])
    if "-a" in args[1:-1]:
        i = args.index("-a", 1)
        return _test_or(ctx, args[:i]) and _test_or(ctx, args[i + 1:])
    return _test1(ctx, args)


_INT_OPS = {"-eq": int.__eq__, "-ne": int.__ne__, "-lt": int.__lt__, "-le": int.__le__,
            "-gt": int.__gt__, "-ge": int.__ge__}


_UNARY = frozenset({"-z", "-n", "-e", "-f", "-d", "-s", "-r", "-w", "-x", "-h", "-L"})
_BINARY = frozenset({"=", "==", "!=", *_INT_OPS})


def _test1(ctx: CommandContext, args: list[str]) -> bool:
    bash, ash, zsh = (ctx.shell.dialect == d for d in ("bash", "ash", "zsh"))
    if not args:
        return False
    if args[0] == "!" and len(args) > 1:
        return not _test1(ctx, args[1:])
    if len(args) == 1:
        return args[0] != ""
    if len(args) == 2:
        op, arg = args
        if op not in _UNARY:
            if bash:
                raise ValueError(f"{op}: unary operator expected")
            if zsh:
                raise ValueError(f"parse error: condition expected: {op}")
            raise ValueError(f"{arg}: argument expected" if arg in _BINARY else f"{op}: unexpected operator")
        return _unary(ctx, op, arg)
    if len(args) == 3:
        a, op, b = args
        if op in ("=", "=="):
            return a == b
        if op == "!=":
            return a != b
        if op in _INT_OPS:
            for v in (a, b):
                if not re.fullmatch(r"\s*-?\d+\s*", v):
                    raise ValueError(f"{v}: integer expression expected" if bash else
                                     f"integer expression expected: {v}" if zsh else
                                     f"{v}: bad number" if ash else f"Illegal number: {v}")
            return bool(_INT_OPS[op](int(a), int(b)))
        raise ValueError(f"{op}: binary operator expected" if bash else
                         f"condition expected: {op}" if zsh else
                         f"{op}: unknown operand" if ash else f"{a}: unexpected operator")
    raise ValueError("too many arguments" if bash else f"{args[2]}: unexpected operator")


def _unary(ctx: CommandContext, op: str, arg: str) -> bool:
    if op == "-z":
        return arg == ""
    if op == "-n":
        return arg != ""
    if not arg:
        return False
    path = ctx.path(arg)
    fs = ctx.fs
    if op == "-d":
        return fs.isdir(path)
    if not fs.exists(path):
        return False
    if op == "-f":
        return not fs.isdir(path)
    if op == "-s":
        return fs.stat(path).size > 0
    if op in ("-h", "-L"):
        return False  # the simulated file systems have no symlinks
    return op != "-x" or fs.isdir(path)


def _cd(ctx: CommandContext) -> int:
    sh = ctx.shell
    target = ctx.argv[1] if len(ctx.argv) > 1 else sh.get("HOME") or "/"
    if target == "-":
        target = sh.get("OLDPWD") or sh.cwd
        ctx.out(target + "\n")
    path = ctx.path(target)
    if sh.fs.isdir(path):
        sh.chdir(path)
        return 0
    reason = "Not a directory" if sh.fs.exists(path) else "No such file or directory"
    if sh.dialect == "dash":
        ctx.err(sh.diag(f"can't cd to {target}", "cd") + "\n")
        return 2
    if sh.dialect == "ash":
        ctx.err(sh.diag(f"can't cd to {target}: {reason}", "cd") + "\n")
        return 2
    if sh.dialect == "zsh":
        ctx.err(sh.diag(f"{reason.lower()}: {target}", "cd") + "\n")
        return 1
    ctx.err(sh.diag(f"{target}: {reason}", "cd") + "\n")
    return 1


def _exit(ctx: CommandContext) -> int:
    arg = ctx.argv[1] if len(ctx.argv) > 1 else str(ctx.shell.status)
    signed = ctx.shell.dialect in ("bash", "zsh")
    if not re.fullmatch(r"-?\d+" if signed else r"\d+", arg):
        msg = f"{arg}: numeric argument required" if signed else f"Illegal number: {arg}"
        ctx.err(ctx.shell.diag(msg, "exit") + "\n")
        raise ExitShell(2)
    raise ExitShell(int(arg) & 0xFF)


def _export(ctx: CommandContext) -> int:
    sh = ctx.shell
    args = [a for a in ctx.argv[1:] if a != "-p"]
    if not args:
        for k, v in sorted(sh.environ().items()):
            ctx.out(f"export {k}='{v}'\n")
        return 0
    for arg in args:
        name, eq, value = arg.partition("=")
        if eq:
            sh.set(name, value, export=True)
        else:
            sh.set(name, sh.get(name) or "", export=True)
    return 0


def _unset(ctx: CommandContext) -> int:
    for name in ctx.argv[1:]:
        if not name.startswith("-"):
            ctx.shell.unset(name)
    return 0


_SET_FLAGS = {"e": "errexit", "x": "xtrace", "u": "nounset"}


def _set(ctx: CommandContext) -> int:
    """``set [-+ex] [-o name] [-- args]``: shell options and positional parameters."""
    args = ctx.argv[1:]
    sh = ctx.shell
    if not args:
        for k, v in sorted(sh.variables().items()):
            ctx.out(f"{k}='{v}'\n")
        return 0
    while args and args[0][:1] in "-+" and args[0] != "--":
        flag = args.pop(0)
        on = flag[0] == "-"
        names = [args.pop(0)] if flag[1:] == "o" and args else [
            _SET_FLAGS.get(f, f) for f in flag[1:]]
        for name in names:
            (sh.options.add if on else sh.options.discard)(name)
    if args and args[0] == "--":
        args = args[1:]
    if args or ctx.argv[1:2] == ["--"]:
        sh.params = args
    return 0


def _number(ctx: CommandContext, arg: str) -> int | None:
    """A builtin's numeric operand, or None after the dialect's complaint."""
    if re.fullmatch(r"\d+", arg):
        return int(arg)
    signed = ctx.shell.dialect in ("bash", "zsh")
    msg = f"{arg}: numeric argument required" if signed else f"Illegal number: {arg}"
    ctx.err(ctx.shell.diag(msg, ctx.argv[0]) + "\n")
    _special_error(ctx)
    return None


def _special_error(ctx: CommandContext) -> None:
    """dash ends a non-interactive shell when a special builtin (shift, break, return...) fails."""
    if ctx.shell.dialect == "dash" and not ctx.shell.interactive_mode:
        raise ExitShell(2)


def _shift(ctx: CommandContext) -> int:
    n = _number(ctx, ctx.argv[1]) if len(ctx.argv) > 1 else 1
    if n is None:
        return 1 if ctx.shell.dialect == "bash" else 2
    if n > len(ctx.shell.params):
        if ctx.shell.dialect in ("bash", "ash"):
            return 1  # both fail quietly
        ctx.err(ctx.shell.diag("can't shift that many", "shift") + "\n")
        _special_error(ctx)
        return 2
    ctx.shell.params = ctx.shell.params[n:]
    return 0


def _read(ctx: CommandContext) -> int:
    names = [a for a in ctx.argv[1:] if not a.startswith("-")] or ["REPLY"]
    line = ctx.read_line()
    if line is None:
        return 1
    fields = line.split(None, len(names) - 1)
    for i, name in enumerate(names):
        ctx.shell.set(name, fields[i] if i < len(fields) else "")
    return 0


def _loop_control(ctx: CommandContext) -> int:
    levels = _number(ctx, ctx.argv[1]) if len(ctx.argv) > 1 else 1
    if levels is None:
        raise ExitShell(2) if ctx.shell.dialect != "bash" else LoopControl(ctx.argv[0], 1)
    raise LoopControl(ctx.argv[0], max(levels, 1))


def _return(ctx: CommandContext) -> int:
    if ctx.shell.dialect == "bash" and not ctx.shell.in_function:
        ctx.err(ctx.shell.diag("can only `return' from a function or sourced script", "return") + "\n")
        return 1
    arg = ctx.argv[1] if len(ctx.argv) > 1 else str(ctx.shell.status)
    if not re.fullmatch(r"-?\d+", arg):
        _number(ctx, arg)
        raise ReturnFromFunction(2)
    raise ReturnFromFunction(int(arg) & 0xFF)


def _local(ctx: CommandContext) -> int:
    # Functions share the global scope here; `local x=1` behaves as a plain assignment.
    for arg in ctx.argv[1:]:
        name, _, value = arg.partition("=")
        ctx.shell.set(name, value)
    return 0


def _source(ctx: CommandContext) -> int:
    """``. FILE`` / ``source FILE``: run FILE in this shell."""
    if len(ctx.argv) < 2:
        ctx.err(ctx.shell.diag("filename argument required", ctx.argv[0]) + "\n")
        return 2
    try:
        script = ctx.fs.read(ctx.path(ctx.argv[1]))
    except OSError:
        ctx.err(ctx.shell.diag(f"cannot open {ctx.argv[1]}: No such file", ".") + "\n"
                if ctx.shell.dialect == "dash"
                else ctx.shell.diag(f"{ctx.argv[1]}: No such file or directory", ctx.argv[0]) + "\n")
        return 2 if ctx.shell.dialect == "dash" else 1
    return ctx.shell.run_into(script, ctx=ctx)


def _alias(ctx: CommandContext) -> int:
    """``alias [name[=value]...]`` (the seed's host has ``cat`` aliased to ``bat``)."""
    aliases = ctx.shell.aliases
    status = 0
    if len(ctx.argv) == 1:
        for name, value in sorted(aliases.items()):
            ctx.out(f"alias {name}='{value}'\n" if ctx.shell.dialect == "bash" else f"{name}='{value}'\n")
    for arg in ctx.argv[1:]:
        name, eq, value = arg.partition("=")
        if eq:
            aliases[name] = value
        elif name in aliases:
            ctx.out(f"alias {name}='{aliases[name]}'\n" if ctx.shell.dialect == "bash"
                    else f"{name}='{aliases[name]}'\n")
        else:
            ctx.err(ctx.shell.diag(f"{name}: not found", "alias") + "\n")
            status = 1
    return status


def _unalias(ctx: CommandContext) -> int:
    for name in ctx.argv[1:]:
        ctx.shell.aliases.pop(name, None)
    return 0


def _noop(ctx: CommandContext) -> int:
    # trap, wait, umask, ulimit, alias: accepted so scripts run; nothing here needs them
    return 0


def _pwd(ctx: CommandContext) -> int:
    ctx.out(ctx.cwd + "\n")
    return 0


def _eval(ctx: CommandContext) -> int:
    return ctx.shell.run_into(" ".join(ctx.argv[1:]), ctx=ctx)


def _command(ctx: CommandContext) -> int:
    """``command -v NAME``: print how NAME resolves; otherwise run NAME bypassing nothing."""
    sh = ctx.shell
    args = ctx.argv[1:]
    if args and args[0] in ("-v", "-V"):
        status = 0
        for name in args[1:]:
            if name in sh.builtins:
                ctx.out(name + "\n")
            elif sh.lookup(name) is not None:
                ctx.out((name if "/" in name else f"/usr/bin/{name}") + "\n")
            else:
                status = 1
        return status
    if not args:
        return 0
    cmd = sh.lookup(args[0])
    if cmd is None:
        ctx.err(sh.not_found_message(args[0]) + "\n")
        return 127
    ctx.argv = args
    return cmd(ctx)


BUILTINS: dict[str, Command] = {
    ":": _true, "true": _true, "false": _false, "echo": echo, "printf": printf, "test": test,
    "[": test, "cd": _cd, "exit": _exit, "export": _export, "unset": _unset, "set": _set,
    "shift": _shift, "read": _read, "break": _loop_control, "continue": _loop_control,
    "pwd": _pwd, "eval": _eval, "command": _command, "return": _return, "local": _local,
    ".": _source, "source": _source, "alias": _alias, "unalias": _unalias,
    "trap": _noop, "wait": _noop, "umask": _noop, "ulimit": _noop,
}
