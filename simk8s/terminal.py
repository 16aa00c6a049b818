"""The learner's terminal on the control-plane node: a shell whose ``kubectl`` drives the cluster.

Lines like ``kubectl apply -f web.yaml && kubectl get pods -w -l app=nginx`` or ``for i in 0 1;
do kubectl exec "web-$i" -- sh -c 'hostname'; done`` run through the project's shell; ``sleep``
advances virtual time; ``curl -O URL`` downloads from the scenario's URL table; files live in an
in-memory home directory.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import simk8s.node.network as network
from simk8s.kubectl import Output, run_kubectl
from simk8s.node.shell import Shell
from simk8s.node.shell.context import CommandContext, Result
from simk8s.node.shell.net import make_curl
from simk8s.node.shell.registry import COREUTILS
from simk8s.node.vfs import MemFS

if TYPE_CHECKING:
    from simk8s.cluster import Cluster

__all__ = ["HOME", "HostShell"]

HOME = "/root"


class _Services:
    def __init__(self, host: HostShell) -> None:
        self.host = host

    def sleep(self, seconds: float) -> None:
        self.host.cluster.run(seconds)

    def now(self) -> float:
        return self.host.cluster.now

    def resolve_host(self, name: str) -> str | None:
        answers = network.resolve(self.host.cluster.core, name, "A")
        return answers[0] if answers else None

    def http(self, ip: str, port: int, method: str, path: str) -> Any:
        return network.http(self.host.cluster.core, None, ip, port, method, path)


class HostShell:
    """One terminal session: variables and files persist from line to line."""

    def __init__(self, cluster: Cluster, files: Mapping[str, str] | None = None,
                 urls: Mapping[str, str] | None = None) -> None:
        self.cluster = cluster
        self.urls = dict(urls or {})
        self.fs = MemFS(clock=lambda: cluster.now)
        self.fs.mkdir(HOME, parents=True)
        self.fs.mkdir("/tmp", parents=True)
        for name, text in (files or {}).items():
            path = name if name.startswith("/") else f"{HOME}/{name}"
            self.fs.write(path, text)
        self.watch_for: float | None = None
        self.stdin = ""
        commands: dict[str, Any] = dict(COREUTILS)
        commands["kubectl"] = self._kubectl
        commands["curl"] = self._curl
        self.shell = Shell(commands, self.fs, env={"HOME": HOME, "PATH": "/usr/local/bin:/usr/bin:/bin",
                                                   "USER": "root"},
                           dialect="bash", hostname="k8s-m", services=_Services(self), cwd=HOME)
        # Lines are typed at a prompt: bash words its errors as an interactive shell does.
        self.shell.interactive_mode = True

    def run(self, line: str, *, stdin: str = "", watch_for: float | None = None) -> Result:
        """Run one command line; ``watch_for`` bounds any ``kubectl get -w`` (None: until quiet)."""
        self.watch_for = watch_for
        return self.shell.run(line, stdin=stdin)

    def _kubectl(self, ctx: CommandContext) -> int:
        argv = ctx.argv[1:]
        wants_stdin = "-" in argv or any(a in ("-i", "-it", "-ti", "--stdin") or a.startswith("-i")
                                         for a in argv if a.startswith("-") and not a.startswith("--n"))
        stdin = ctx.stdin if wants_stdin else ""
        out = _Forward(ctx)
        result = run_kubectl(self.cluster, argv, stdin=stdin, watch_for=self.watch_for, output=out,
                             files=self.fs, cwd=ctx.cwd)
        return result.code

    def _curl(self, ctx: CommandContext) -> int:
        args = ctx.argv[1:]
        url = next((a for a in args if "://" in a), None)
        if url is not None and url in self.urls and any(a in ("-O", "-sO", "-Os") or (
                a.startswith("-") and not a.startswith("--") and "O" in a) for a in args):
            name = url.rstrip("/").rsplit("/", 1)[-1]
            ctx.fs.write(ctx.path(name), self.urls[url])
            return 0
        if url is not None and url in self.urls:
            ctx.out(self.urls[url])
            return 0

        return int(make_curl()(ctx))


class _Forward:
    """A kubectl Output that writes straight to the shell command's streams."""

    def __init__(self, ctx: CommandContext) -> None:
        self.ctx = ctx
        self.inner = Output()

    def out(self, text: str) -> None:
        if text:
            self.ctx.out(text)
            self.inner.out(text)

    def err(self, text: str) -> None:
        if text:
            self.ctx.err(text)
            self.inner.err(text)

    @property
    def stdout(self) -> str:
        return self.inner.stdout

    @property
    def stderr(self) -> str:
        return self.inner.stderr

    @property
    def combined(self) -> str:
        return self.inner.combined
