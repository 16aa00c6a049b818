"""Fuzz campaign: generated shell programs never fail the host process, and memory stays bounded.

    python -m fuzz.shell_programs [--programs 20000] [--seed 1]

Generates programs from a grammar of what the simulated shell runs (loops that may never end,
recursive functions, pipelines, arithmetic with huge operands, doubling variables, brace
expansions, command substitution, redirections to files, heredocs, ``eval`` and ``sh -c``) and
runs each in a fresh shell of a random dialect on small budgets (so an endless program costs a
fraction of a second). Every run must return a result with a status from 0 to 255: an exception
out of the shell is a host-process failure. Prints the figures, among them the process's peak
RSS and the slowest program; exits 1 on any failure. The test suite runs a short version
(``tests/shell/test_shell_fuzz_campaign.py``).
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field

from simk8s.node.shell import Shell
from simk8s.node.shell.registry import all_commands
from simk8s.node.shell.sandbox import Limits
from simk8s.node.vfs import MemFS

DIALECTS = ("dash", "ash", "bash", "zsh")
LIMITS = Limits(steps=5_000, output=1 << 18, memory=1 << 20, disk=1 << 20)
NUMBERS = ["0", "1", "2", "7", "-1", "63", "64", "255", "256", "100000000", "9223372036854775807",
           "99999999999999999999999", "0x7f", "010"]


@dataclass
class Figures:
    programs: int = 0
    failures: list[str] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    slowest: float = 0.0
    slowest_program: str = ""
    seconds: float = 0.0
    peak_rss_mb: int = 0


class Gen:
    def __init__(self, rng: random.Random) -> None:
        self.r = rng
        self.depth = 0

    def pick(self, *xs: str) -> str:
        return self.r.choice(xs)

    def num(self) -> str:
        return self.r.choice(NUMBERS)

    def var(self) -> str:
        return self.pick("x", "y", "i", "n", "IFS", "FUNCNEST")

    def word(self) -> str:
        v = self.var()
        options = [
            lambda: self.pick("a", "b c", "*", "/tmp/*", "-n", "--", "'q q'", '"$x"', "x$x", "%s%d"),
            lambda: f"${v}", lambda: f'"${v}${v}"', lambda: f"${{{v}:-{self.num()}}}",
            lambda: f"${{#{v}}}", lambda: f"${{{v}%%{self.pick('*', 'a*', '*9', '[0-9]*')}}}",
            lambda: f"${{{v}##{self.pick('*/', '*', '?')}}}", lambda: f"$(({self.expr()}))",
            lambda: f"$({self.pipeline()})", lambda: f"{{1..{self.num()}}}", lambda: "{a,b}{c,d}{e,f}",
            lambda: self.num(),
        ]
        return self.r.choice(options)()

    def expr(self) -> str:
        if self.depth > 2 or self.r.random() < 0.4:
            return self.pick(self.num(), self.var(), f"${self.var()}")
        self.depth += 1
        try:
            op = self.pick("+", "-", "*", "/", "%", "**", "<<", ">>", "&", "|", "^", "<", "==", "&&", "||")
            e = f"{self.expr()} {op} {self.expr()}"
            return f"({e})" if self.r.random() < 0.3 else e
        finally:
            self.depth -= 1

    def simple(self) -> str:
        w = " ".join(self.word() for _ in range(self.r.randint(0, 3)))
        v = self.var()
        return self.r.choice([
            lambda: f"echo {w}", lambda: f"printf '{self.pick('%s', '%d', '%5s', '%x', '%b', '%%')}\\n' {w}",
            lambda: f"seq {self.pick('1', '5', '-3')} {self.pick('10', '100000000', '3')}",
            lambda: f"{v}={self.word()}", lambda: f"{v}=${v}${v}", lambda: f"export {v}",
            lambda: f"unset {v}", lambda: f"read {v}", lambda: f"[ \"${v}\" = {self.word()} ]",
            lambda: self.pick("true", "false", ":", "shift", "set -- a b c", "set -e", "set +e",
                              "break", "continue", "return 3", "exit 4", "cat", "wc -l", "wc -c",
                              "head -n 2", "tail -n 1", "grep 1", "sort", "uniq", "tr 1 2", "cut -c 1-3",
                              "f", "g 1", "f $(f)", "cd /tmp", "pwd", "nosuch"),
            lambda: f"eval '{self.simple()}'", lambda: f"sh -c '{self.simple()}'",
        ])()

    def redirect(self) -> str:
        if self.r.random() < 0.8:
            return ""
        return " " + self.pick("> /tmp/f", ">> /tmp/f", "< /tmp/f", "2>&1", "> /dev/null", "<<E\na $x\nE\n")

    def pipeline(self) -> str:
        n = self.r.choice([1, 1, 1, 2, 2, 3, 4])
        return " | ".join(self.command() for _ in range(n))

    def command(self) -> str:
        if self.depth > 1 or self.r.random() < 0.5:
            return self.simple() + self.redirect()
        self.depth += 1
        try:
            body = self.list()
            v = self.var()
            return self.r.choice([
                lambda: f"while {self.pick('true', ':', f'[ ${v} -lt {self.num()} ]', 'read v')}; do {body}; done",
                lambda: f"until {self.pick('false', f'[ ${v} = 1 ]')}; do {body}; done",
                lambda: f"for {v} in {self.word()} {self.word()}; do {body}; done",
                lambda: f"if {self.simple()}; then {body}; else {self.list()}; fi",
                lambda: f"case {self.word()} in a*) {body};; *) {self.list()};; esac",
                lambda: f"( {body} )", lambda: f"{{ {body}; }}",
                lambda: f"f() {{ {body}; {self.pick('f', 'f $((${v}+1))', ':', 'g')}; }}",
                lambda: f"g() {{ {body}; }}",
            ])() + self.redirect()
        finally:
            self.depth -= 1

    def list(self) -> str:
        parts = [self.pipeline() for _ in range(self.r.randint(1, 3))]
        seps = [self.pick("; ", " && ", " || ", "\n") for _ in parts[1:]]
        out = parts[0]
        for sep, part in zip(seps, parts[1:], strict=True):
            out += sep + part
        return out

    def program(self) -> str:
        return "\n".join(self.list() for _ in range(self.r.randint(1, 4)))


def run_one(src: str, dialect: str, stdin: str) -> int:
    shell = Shell(all_commands(), MemFS({"/tmp/f": "1\n22\n333\n"}), {"HOME": "/root", "x": "a"}, dialect,
                  "fuzz", limits=LIMITS)
    if "\n" in src and dialect == "bash" and len(src) % 2:
        return shell.interactive(src.split("\n"), prompt="$ ").code
    return shell.run(src, stdin=stdin).code


def campaign(programs: int, seed: int = 1, out: object = None) -> Figures:
    rng = random.Random(seed)
    fig = Figures()
    start = time.monotonic()
    for n in range(programs):
        gen = Gen(random.Random(rng.getrandbits(64)))
        src = gen.program()
        dialect = rng.choice(DIALECTS)
        t = time.monotonic()
        try:
            code = run_one(src, dialect, stdin="1\n2\nx y\n")
            if not 0 <= code <= 255:
                fig.failures.append(f"{dialect}: status {code}: {src!r}")
            fig.statuses[code] += 1
        except BaseException as e:  # anything out of the shell is a host-process failure
            if isinstance(e, KeyboardInterrupt):
                raise
            fig.failures.append(f"{dialect}: {type(e).__name__}: {e}: {src!r}\n{traceback.format_exc()}")
        took = time.monotonic() - t
        if took > fig.slowest:
            fig.slowest, fig.slowest_program = took, f"{dialect}: {src!r}"
        fig.programs += 1
        if out is not None and (n + 1) % 1000 == 0:
            print(f"  {n + 1} programs, {time.monotonic() - start:.0f} s, {len(fig.failures)} failures",
                  file=out, flush=True)
    fig.seconds = time.monotonic() - start
    fig.peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    return fig


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--programs", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    fig = campaign(args.programs, args.seed, sys.stdout)
    for f in fig.failures[:5]:
        print("FAILURE:", f)
    ended = {k: v for k, v in sorted(fig.statuses.items()) if k in (137, 139, 141, 143)}
    print(f"shell programs generated: {fig.programs} in {fig.seconds:.0f} s; host-process failures: "
          f"{len(fig.failures)}; peak RSS {fig.peak_rss_mb} MB; slowest program {fig.slowest:.2f} s")
    print(f"ended by a budget (status: programs): {ended}")
    print(f"reproduce: python -m fuzz.shell_programs --programs {args.programs} --seed {args.seed}")
    return 1 if fig.failures else 0


if __name__ == "__main__":
    sys.exit(main())
