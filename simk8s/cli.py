"""The ``simk8s`` command: thin parsing over the library.

    simk8s run SCENARIO [--seed N] [--events FILE] [--quiet] [--check]
    simk8s shell [-f FILE ...] [--seed N]          # a terminal on the simulated cluster (stdin lines)
    simk8s dns -f MANIFEST [-f ...] [--host H] [--port P] [--seed N]
    simk8s serve [MANIFEST|SCENARIO ...] [--port P] [--dns-port P] [--speed S] [--seed N] [--kubeconfig PATH]
    simk8s explain -f MANIFEST [-f ...] --from POD --to POD|IP --port P [--protocol TCP]
    simk8s sweep SPEC.yaml [--out DIR] [--scheduler ADDR]   # many seeded runs on Dask (simk8s.sweep.cli)
    simk8s campaign [--machine MODULE:CLASS] [--runs N]     # property campaigns on Dask
    simk8s version

Errors are one line, ``simk8s: error: ...``, with exit status 2 (1 when ``--check`` finds a
failure); outputs (``--events``, ``--timeline``, ``--graph``) are written atomically, and written
for a run that stops early too. ``SIMK8S_TRACEBACK=1`` shows the traceback of an internal error.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn, TypeVar

import simk8s.node.network as network
from simk8s import __version__, viz
from simk8s.api.errors import ApiError
from simk8s.cluster import Cluster, NotSettled
from simk8s.dns.resolver import ClusterResolver
from simk8s.dns.server import DnsServer
from simk8s.outputs import MissingExtra, require_plotting, save_figure, write_atomic
from simk8s.scenario import ScenarioError, ScenarioResult, load_scenario, run_scenario
from simk8s.store.apply import ApplyError
from simk8s.sweep import cli as sweep_cli
from simk8s.terminal import HostShell

__all__ = ["main"]

T = TypeVar("T")


class CliError(Exception):
    """A user error: printed as ``simk8s: error: <message>``, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        sub = " ".join(self.prog.split()[1:])
        print(f"simk8s: error: {sub + ': ' if sub else ''}{message}", file=sys.stderr)
        sys.exit(2)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="simk8s", description="Simulated Kubernetes: StatefulSets, storage and "
                                "headless-service DNS in virtual time.")
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="replay a scenario file and print its transcript")
    run.add_argument("scenario", help="a scenario YAML file (see scenarios/)")
    run.add_argument("--seed", type=int, default=None, help="override the scenario's seed")
    run.add_argument("--events", metavar="FILE", help="write the cluster's event log (one line per change)")
    run.add_argument("--quiet", action="store_true", help="print only failures")
    run.add_argument("--check", action="store_true",
                     help="verify the scenario's expectations and invariants: print only failures, exit 1 on any")
    run.add_argument("--timeline", metavar="PNG", help="write a timeline picture of the run")
    run.add_argument("--graph", metavar="SVG", help="write the object graph at the end of the run")
    sh = sub.add_parser("shell", help="a terminal on a fresh simulated cluster, reading command lines from stdin")
    sh.add_argument("-f", "--file", action="append", default=[], help="copy a local file into the home directory")
    sh.add_argument("--seed", type=int, default=1)
    dns = sub.add_parser("dns", help="serve the cluster DNS for the objects in the manifests")
    dns.add_argument("-f", "--filename", action="append", required=True, help="manifest file or directory")
    dns.add_argument("--host", default="127.0.0.1")
    dns.add_argument("--port", type=int, default=5353)
    dns.add_argument("--seed", type=int, default=1)
    srv = sub.add_parser("serve", help="serve a live, writable Kubernetes API (and DNS) for kubectl and clients")
    srv.add_argument("sources", nargs="*", metavar="MANIFEST|SCENARIO",
                     help="manifests to apply at start, or a scenario to replay first (its end state is served)")
    srv.add_argument("-f", "--filename", action="append", default=[], help="manifest file or directory")
    srv.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback only)")
    srv.add_argument("--port", type=int, default=8001, help="API port (0: any free port)")
    srv.add_argument("--dns-port", type=int, default=None, help="also serve the cluster DNS on this port")
    srv.add_argument("--speed", default="1", help="simulated seconds per wall-clock second, or 'max' "
                     "(as fast as possible while anything is due; idle otherwise)")
    srv.add_argument("--seed", type=int, default=None)
    srv.add_argument("--kubeconfig", default="simk8s.kubeconfig", help="where to write the kubeconfig")
    exp = sub.add_parser("explain", help="why a pod may or may not connect to another (NetworkPolicies); "
                         "exit 0 when allowed, 1 when denied")
    exp.add_argument("-f", "--filename", action="append", required=True, help="manifest file or directory")
    exp.add_argument("--from", dest="src", required=True, help="source pod (name, or namespace/name) or IP")
    exp.add_argument("--to", dest="dst", required=True, help="destination pod (name, or namespace/name) or IP")
    exp.add_argument("--port", type=int, required=True)
    exp.add_argument("--protocol", default="TCP", choices=["TCP", "UDP", "SCTP"])
    exp.add_argument("-n", "--namespace", default="default", help="namespace of pods named without one")
    exp.add_argument("--seed", type=int, default=1)
    sweep_cli.add_parsers(sub)
    sub.add_parser("version", help="print the version")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _dispatch(args)
    except CliError as e:
        return _error(str(e))
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # a bug: one line unless asked for the traceback
        if os.environ.get("SIMK8S_TRACEBACK"):
            raise
        return _error(f"internal error: {type(e).__name__}: {e} (SIMK8S_TRACEBACK=1 shows where)")


def _error(message: str) -> int:
    print(f"simk8s: error: {_one_line(message)}", file=sys.stderr)
    return 2


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "version":
        print(f"simk8s {__version__}")
        return 0
    if args.command == "run":
        return _run(args)
    if args.command == "shell":
        return _shell(args)
    if args.command == "dns":
        return _dns(args)
    if args.command == "serve":
        return _serve(args)
    if args.command == "explain":
        return _explain(args)
    if args.command in sweep_cli.COMMANDS:
        return sweep_cli.main(args)
    return 2


def _run(args: argparse.Namespace) -> int:
    try:
        scenario = load_scenario(args.scenario)
    except OSError as e:
        raise CliError(f"{args.scenario}: {e.strerror or e}") from None
    except ScenarioError as e:
        raise CliError(str(e)) from None
    outputs = [(opt, path) for opt, path in (("--events", args.events), ("--timeline", args.timeline),
                                              ("--graph", args.graph)) if path]
    _check_outputs(outputs)  # before the run: a missing directory or extra fails at once
    echo = None if args.quiet or args.check else (lambda text: (sys.stdout.write(text), sys.stdout.flush()))
    try:
        result = run_scenario(scenario, seed=args.seed, echo=echo)
    except Exception as e:
        partial = getattr(e, "scenario_result", None)
        if partial is not None:
            _write_outputs(args, partial)
        raise
    _write_outputs(args, result)
    for f in result.failures:
        print(f"FAILED: {f}", file=sys.stderr)
    if result.error is not None:
        raise CliError(f"{args.scenario}: {result.error}")
    return 1 if result.failures else 0


def _check_outputs(outputs: list[tuple[str, str]]) -> None:
    for opt, path in outputs:
        parent = Path(path).parent
        if not parent.is_dir():
            raise CliError(f"{opt} {path}: no directory {str(parent)!r}")
        if Path(path).is_dir():
            raise CliError(f"{opt} {path}: is a directory")
        if opt in ("--timeline", "--graph"):
            try:
                require_plotting(opt)
            except MissingExtra as e:
                raise CliError(str(e)) from None


def _write_outputs(args: argparse.Namespace, result: ScenarioResult) -> None:
    """The run's files, each replaced atomically (also after a run that stopped early)."""
    try:
        if args.events:
            write_atomic(args.events, event_log(result.cluster))
        if args.timeline:
            save_figure(lambda: viz.timeline(result.cluster), args.timeline)
        if args.graph:
            save_figure(lambda: viz.object_graph_figure(result.cluster), args.graph)
    except OSError as e:
        raise CliError(f"cannot write {e.filename or 'an output'}: {e.strerror or e}") from None


def event_log(cluster: object) -> str:
    """One line per stored change: ``<rv> <virtual seconds> <TYPE> <Kind> <namespace>/<name>``."""
    assert isinstance(cluster, Cluster)
    lines = []
    for ev in cluster.store.log:
        meta = ev.obj["metadata"]
        ns = meta.get("namespace", "")
        lines.append(f"{ev.rv} {ev.t:.3f} {ev.type} {ev.kind.kind} {ns + '/' if ns else ''}{meta['name']}")
    return "\n".join(lines) + "\n"


def _shell(args: argparse.Namespace) -> int:
    cluster = Cluster(seed=args.seed)
    try:
        files = {Path(f).name: Path(f).read_text() for f in args.file}
    except (OSError, UnicodeDecodeError) as e:
        raise CliError(f"-f: {getattr(e, 'filename', None) or ''}: {getattr(e, 'strerror', None) or e}") from None
    host = HostShell(cluster, files=files)
    code = 0
    interactive = sys.stdin.isatty()
    while True:
        if interactive:
            sys.stdout.write("$ ")
            sys.stdout.flush()
        line = sys.stdin.readline()
        if not line:
            break
        line = line.rstrip("\n")
        if not line.strip():
            continue
        if line.strip() == "exit":
            break
        result = host.run(line)
        sys.stdout.write(result.output)
        sys.stdout.flush()
        code = result.code
    return code


def _dns(args: argparse.Namespace) -> int:
    cluster = _cluster_from(args.filename, args.seed)
    resolver = ClusterResolver(lambda: network.dns_snapshot(cluster.core))
    server = DnsServer(resolver, host=args.host, port=args.port)
    _listen(server.start, args.host, args.port)
    print(f"simk8s dns: serving {cluster.topology.zone} on {args.host}:{server.port} (udp, tcp); Ctrl-C stops",
          flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


def _serve(args: argparse.Namespace) -> int:
    try:
        # aiohttp is an optional dependency (the serve extra): the face loads only when asked to serve.
        from simk8s.serve import live
    except ImportError as e:  # aiohttp missing: the serve extra is not installed
        raise CliError(f"serve needs the serve extra (pip install 'simk8s[serve]'): {e}") from None
    return live.main(args)


def _cluster_from(files: list[str], seed: int) -> Cluster:
    """A settled cluster holding the objects of ``files``; a file that cannot be read or
    applied is a :class:`CliError` naming it."""
    cluster = Cluster(seed=seed)
    for f in files:
        try:
            cluster.apply(Path(f))
        except OSError as e:
            raise CliError(f"{f}: {e.strerror or e}") from None
        except (ApiError, ApplyError, ValueError) as e:
            raise CliError(f"{f}: {_one_line(e)}") from None
    try:
        cluster.settle()
    except NotSettled as e:
        raise CliError(_one_line(e)) from None
    return cluster


def _one_line(e: BaseException | str) -> str:
    text = "; ".join(line.strip() for line in str(e).strip().splitlines() if line.strip())
    return text.removeprefix("error: ")


def _listen(start: Callable[[], T], host: str, port: int) -> T:
    try:
        return start()
    except OSError as e:
        raise CliError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None


def _explain(args: argparse.Namespace) -> int:
    cluster = _cluster_from(args.filename, args.seed)
    try:
        verdict = cluster.explain_connection(args.src, args.dst, args.port, args.protocol, namespace=args.namespace)
    except (ApiError, ValueError) as e:
        raise CliError(_one_line(e)) from None
    print(verdict.explain())
    return 0 if verdict.allowed else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
