"""External commands for simulated images: the coreutils that are not file tools (system
information, ``env``, ``sleep``, ``seq``, ``sh -c`` and the ``/bin`` twins of the shell's
builtins), worded as GNU or busybox word them.

:data:`COMMANDS` maps each name to its implementation; the file tools are in
:mod:`simk8s.node.shell.filetools`, and :mod:`simk8s.node.shell.registry` assembles the tables. Tools read
the flavour from the shell: a busybox image (``sh_dialect == "ash"``) gets busybox wording,
everything else GNU's in the C locale (:mod:`simk8s.node.shell.toolkit`).
"""

from __future__ import annotations

import re
import time

import simk8s.node.shell.builtins as bi
from simk8s.node.shell.context import Command, CommandContext
from simk8s.node.shell.toolkit import busybox, now, parse_opts, tool

__all__ = ["COMMANDS"]


def _hosts_entry(ctx: CommandContext) -> tuple[str, list[str]] | None:
    """This host's line in /etc/hosts (the kubelet writes the pod IP and FQDN there)."""
    try:
        hosts = ctx.fs.read("/etc/hosts")
    except OSError:
        return None
    for line in hosts.splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) > 1 and ctx.shell.hostname in fields[1:]:
            return fields[0], fields[1:]
    return None


def _hostname(ctx: CommandContext) -> int:
    """``hostname``; ``-f`` the FQDN and ``-i`` the address, both from /etc/hosts as resolved."""
    opts, _ = parse_opts(ctx, "ifsI")
    entry = _hosts_entry(ctx)
    if "i" in opts or "I" in opts:
        ip = entry[0] if entry else ctx.service("pod_ip")
        if not ip:
            ctx.err("hostname: Name or service not known\n")
            return 1
        ctx.out(f"{ip}{' ' if 'I' in opts else ''}\n")
        return 0
    name = ctx.shell.hostname
    if "f" in opts and entry:
        name = next((n for n in entry[1] if "." in n), name)
    ctx.out((name.split(".")[0] if "s" in opts else name) + "\n")
    return 0


def _date(ctx: CommandContext) -> int:
    fmt = next((a[1:] for a in ctx.argv[1:] if a.startswith("+")), "%a %b %e %H:%M:%S UTC %Y")
    ctx.out(time.strftime(fmt, time.gmtime(now(ctx))) + "\n")
    return 0


def _id(ctx: CommandContext) -> int:
    ctx.out("uid=0(root) gid=0(root) groups=0(root)\n")
    return 0


def _whoami(ctx: CommandContext) -> int:
    ctx.out("root\n")
    return 0


def _uname(ctx: CommandContext) -> int:
    opts, _ = parse_opts(ctx, "asnrvmo")
    release = str(ctx.service("kernel_release") or "5.15.0-91-generic")
    fields = {"s": "Linux", "n": ctx.shell.hostname, "r": release,
              "v": "#101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023", "m": "x86_64", "o": "GNU/Linux"}
    keys = "snrvmo" if "a" in opts else [k for k in "snrvmo" if k in opts] or ["s"]
    ctx.out(" ".join(fields[k] for k in keys) + "\n")
    return 0


def _env(ctx: CommandContext) -> int:
    args = ctx.argv[1:]
    env = dict(ctx.env)
    while args and "=" in args[0]:
        k, _, v = args.pop(0).partition("=")
        env[k] = v
    if not args:
        ctx.out("".join(f"{k}={v}\n" for k, v in env.items()))
        return 0
    cmd = ctx.shell.lookup(args[0])
    if cmd is None or (args[0] in ctx.shell.builtins and args[0] not in ctx.shell.commands):
        ctx.err(f"env: '{args[0]}': No such file or directory\n")
        return 127
    return cmd(CommandContext(args, ctx.input, ctx.stdout, ctx.stderr, env, ctx.fs, ctx.cwd,
                              ctx.shell, ctx.services))


def _printenv(ctx: CommandContext) -> int:
    if len(ctx.argv) == 1:
        ctx.out("".join(f"{k}={v}\n" for k, v in ctx.env.items()))
        return 0
    found = [ctx.env[n] for n in ctx.argv[1:] if n in ctx.env]
    ctx.out("".join(v + "\n" for v in found))
    return 0 if len(found) == len(ctx.argv) - 1 else 1


def _sleep(ctx: CommandContext) -> int:
    total = 0.0
    if len(ctx.argv) < 2:
        ctx.err("sleep: missing operand\nTry 'sleep --help' for more information.\n")
        return 1
    for arg in ctx.argv[1:]:
        m = re.fullmatch(r"(\d+(?:\.\d*)?|\.\d+)([smhd]?)", arg)
        if m is None:
            ctx.err(f"sleep: invalid number '{arg}'\n" if busybox(ctx) else
                    f"sleep: invalid time interval '{arg}'\nTry 'sleep --help' for more information.\n")
            return 1
        total += float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]
    sleeper = ctx.service("sleep")
    if callable(sleeper):
        sleeper(total)
    return 0


def _seq(ctx: CommandContext) -> int:
    # negative numbers are operands, not options
    opts: dict[str, str] = {}
    operands: list[str] = []
    args = iter(ctx.argv[1:])
    for arg in args:
        if arg == "-w":
            opts["w"] = ""
        elif arg.startswith("-s"):
            opts["s"] = arg[2:] or next(args, "")
        else:
            operands.append(arg)
    try:
        nums = [int(a) for a in operands]
    except ValueError:
        bad = next(a for a in operands if not re.fullmatch(r"-?\d+", a))
        ctx.err(f"seq: invalid floating point argument: '{bad}'\n"
                "Try 'seq --help' for more information.\n")
        return 1
    if not 1 <= len(nums) <= 3:
        ctx.err("seq: missing operand\nTry 'seq --help' for more information.\n")
        return 1
    first, step, last = (1, 1, nums[0]) if len(nums) == 1 else (
        (nums[0], 1, nums[1]) if len(nums) == 2 else (nums[0], nums[1], nums[2]))
    if step == 0:
        ctx.err("seq: invalid Zero increment value: '0'\nTry 'seq --help' for more information.\n")
        return 1
    numbers = range(first, last + (1 if step > 0 else -1), step)
    width = max(len(str(first)), len(str(last))) if "w" in opts else 0  # equal width, zero-padded
    sep = opts.get("s", "\n")
    i = 0
    while i < len(numbers):  # written a block at a time, as stdio writes it
        ctx.shell.budget.step()
        v = numbers[i]
        if step == 1 and not width and v >= _BLOCK and v % _BLOCK == 0 and v + _BLOCK - 1 <= last:
            # 10,000 numbers sharing their leading digits: one join in C instead of 10,000 str()
            prefix = str(v // _BLOCK)
            block = prefix + (sep + prefix).join(_SUFFIXES)
            n = _BLOCK
        else:
            n = min(_BLOCK - v % _BLOCK if step == 1 and v > 0 else 4096, len(numbers) - i)
            part = numbers[i:i + n]
            block = sep.join(map(str, part) if not width else (str(x).zfill(width) for x in part))
        ctx.out((sep if i else "") + block)
        i += n
    if numbers:
        ctx.out("\n")
    return 0


_BLOCK = 10_000
_SUFFIXES = [f"{n:04d}" for n in range(_BLOCK)]


def _shell_command(ctx: CommandContext) -> int:
    """``sh``/``bash``/``zsh`` [-c SCRIPT [NAME [ARG...]]] | [FILE] | (script on stdin)."""
    base = ctx.name
    dialect = {"sh": ctx.shell.sh_dialect, "ash": "ash", "dash": "dash"}.get(base, base)
    args = ctx.argv[1:]
    while args and args[0] in ("-e", "-x", "-l", "-i", "-s"):
        args = args[1:]
    child = ctx.shell.child(dialect, name=ctx.argv[0])
    if args and args[0] == "-c":
        if len(args) < 2:
            ctx.err(f"{ctx.argv[0]}: -c: option requires an argument\n" if dialect != "dash"
                    else f"{ctx.argv[0]}: 0: -c requires an argument\n")
            return 2
        script = args[1]
        if len(args) > 2:
            child.name = args[2]
            child.params = args[3:]
        return child.run_into(script, ctx=ctx)
    if args:
        try:
            script = ctx.fs.read(ctx.path(args[0]))
        except OSError:
            msg = "Can't open" if dialect in ("dash", "ash") else "No such file or directory"
            ctx.err(f"{ctx.argv[0]}: 0: {msg} {args[0]}\n" if dialect == "dash"
                    else f"{ctx.argv[0]}: {args[0]}: {msg}\n")
            return 127 if dialect != "dash" else 2
        child.name, child.params = args[0], args[1:]
        return child.run_into(script, ctx=ctx)
    return child.run_into(ctx.stdin, ctx=ctx)


def _external_echo(ctx: CommandContext) -> int:
    # /bin/echo is GNU (or busybox) echo: -n/-e/-E, no escapes by default, whatever the shell.
    return bi.echo(CommandContext(["/bin/echo", *ctx.argv[1:]], ctx.input, ctx.stdout, ctx.stderr,
                                  ctx.env, ctx.fs, ctx.cwd, ctx.shell, ctx.services))


COMMANDS: dict[str, Command] = {
    "hostname": tool(_hostname), "date": _date, "id": _id, "whoami": _whoami,
    "uname": tool(_uname), "env": _env, "printenv": _printenv, "sleep": _sleep, "seq": tool(_seq),
    "sh": _shell_command,
    "bash": _shell_command, "zsh": _shell_command, "ash": _shell_command, "dash": _shell_command,
    "echo": _external_echo, "printf": bi.printf, "test": bi.test, "[": bi.test,
    "true": lambda ctx: 0, "false": lambda ctx: 1, "pwd": lambda ctx: bi.BUILTINS["pwd"](ctx),
}
