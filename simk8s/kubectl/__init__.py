"""kubectl 1.32, emulated against a simulated cluster: same verbs, flags, output and errors.

``run_kubectl(cluster, "get pods -l app=nginx")`` returns a :class:`KubectlResult` (stdout,
stderr, exit code). Commands that wait (``get -w``, ``delete`` waiting for removal, ``rollout
status``, ``wait``) advance the cluster's virtual time while they wait.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from simk8s.api.errors import ApiError, kubectl_message
from simk8s.kubectl.args import SHORT, VALUE_FLAGS, Args, UsageError, parse_args
from simk8s.kubectl.context import CommandError, Context
from simk8s.kubectl.verbs import VERBS
from simk8s.logic.rbac import User
from simk8s.store.apply import ApplyError
from simk8s.store.authz import ADMIN, AuthorizedStore, impersonate

if TYPE_CHECKING:
    from simk8s.cluster import Cluster

__all__ = ["KubectlResult", "Output", "run_kubectl"]


@dataclass
class Output:
    """What a command printed, in order, on stdout and stderr."""

    chunks: list[tuple[str, str]] = field(default_factory=list)

    def out(self, text: str) -> None:
        if text:
            self.chunks.append(("stdout", text))

    def err(self, text: str) -> None:
        if text:
            self.chunks.append(("stderr", text))

    @property
    def stdout(self) -> str:
        return "".join(t for s, t in self.chunks if s == "stdout")

    @property
    def stderr(self) -> str:
        return "".join(t for s, t in self.chunks if s == "stderr")

    @property
    def combined(self) -> str:
        return "".join(t for _, t in self.chunks)


@dataclass
class KubectlResult:
    stdout: str
    stderr: str
    code: int
    combined: str = ""

    @property
    def ok(self) -> bool:
        return self.code == 0

    def __str__(self) -> str:
        return self.combined


def run_kubectl(cluster: Cluster, cmdline: str | Sequence[str], *, stdin: str = "",
                watch_for: float | None = None, interactive: Any = None, output: Any = None,
                files: Any = None, cwd: str = "/root") -> KubectlResult:
    """Run one kubectl command line (with or without the leading ``kubectl``).

    ``files`` is the file system ``-f`` paths are read from (a :class:`~simk8s.node.vfs.MemFS` of the
    host shell); without it they are read from the real disk.
    """
    argv = shlex.split(cmdline) if isinstance(cmdline, str) else list(cmdline)
    if argv and argv[0] == "kubectl":
        argv = argv[1:]
    out = output if output is not None else Output()
    code = _dispatch(cluster, argv, out, stdin, watch_for, interactive, files, cwd)
    return KubectlResult(out.stdout, out.stderr, code, out.combined)


def _dispatch(cluster: Cluster, argv: list[str], out: Any, stdin: str, watch_for: float | None,
              interactive: Any, files: Any, cwd: str) -> int:
    if not argv:
        out.err("kubectl controls the Kubernetes cluster manager.\n")
        return 0
    # Global flags may come before the verb (kubectl --as=jane get pods).
    lead: list[str] = []
    while argv and argv[0].startswith("-") and argv[0] != "--":
        flag = argv.pop(0)
        lead.append(flag)
        name = flag.lstrip("-").partition("=")[0]
        if "=" not in flag and (SHORT.get(name, name) in VALUE_FLAGS) and argv:
            lead.append(argv.pop(0))
    if not argv:
        out.err("kubectl controls the Kubernetes cluster manager.\n")
        return 0
    verb = argv[0]
    rest = [*lead, *argv[1:]]
    handler = VERBS.get(verb)
    if handler is None:
        out.err(f'error: unknown command "{verb}" for "kubectl"\n')
        return 1
    try:
        args = parse_args(rest, verb)
        user = _user(args)
        # Every request this command makes goes through the API server's authorization.
        view = cluster.through(AuthorizedStore(cluster.store, user))
        ctx = Context(view, args, verb, out, stdin, watch_for, interactive, files, cwd, user)
        return int(handler(ctx) or 0)
    except UsageError as e:
        out.err(f"error: {e}\nSee 'kubectl {verb} --help' for usage.\n")
        return 1
    except CommandError as e:
        out.err(f"error: {e}\n")
        return 1
    except ApplyError as e:
        out.err(f"error: {e}\n")
        return 1
    except ApiError as e:
        out.err(kubectl_message(e) + "\n")
        return 1


def _user(args: Args) -> User:
    """The user of the request: the kubeconfig's admin, or whom ``--as``/``--as-group`` impersonate."""
    name = args.get("as") or ""
    groups = args.list("as-group")
    if not name:
        if groups or args.get("as-uid"):
            raise CommandError("requesting uid, groups or user-extra for  without impersonating a user")
        return ADMIN
    user = impersonate(name, groups)
    uid = args.get("as-uid")
    return User(user.name, user.groups, uid) if uid else user
