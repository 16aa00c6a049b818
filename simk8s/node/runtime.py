"""The container runtime of one node: container file systems, exec, HTTP serving, logs and probes.

A container's file system is its image's files in a private layer with the pod's volumes mounted
over it: a PersistentVolume's data (``core.volume_data[pv]``) outlives every pod that mounts
it; an ``emptyDir`` lives as long as the pod. ``exec`` runs a command through the project's
shell with the image's tools; HTTP requests reach images that serve (nginx) and are logged.
"""

from __future__ import annotations

import hashlib
import ipaddress
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import simk8s.node.network as network
from simk8s.api.frozen import get_in
from simk8s.logic.dnsconfig import pod_dns
from simk8s.node.devfs import DevFS, proc_files
from simk8s.node.images import ImageSpec, access_log_line, error_log_line, pod_files, serve
from simk8s.node.shell import Result, Shell
from simk8s.node.shell.context import Interrupt
from simk8s.node.shell.net import COMMANDS as NET_COMMANDS
from simk8s.node.shell.timeouts import DROPPED
from simk8s.node.tools import run_dns_tool, unreachable_dns_tool
from simk8s.node.vfs import ContainerFS, MemFS

if TYPE_CHECKING:
    from simk8s.core import Core

__all__ = ["ContainerRuntime", "ExecError", "ProbeTimeout"]


class ExecError(Exception):
    """kubectl exec failed before the command ran; ``str`` is kubectl's message, ``code`` its exit."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


class ProbeTimeout(Exception):
    """An exec probe's command outlived the probe's ``timeoutSeconds``."""


@dataclass
class Container:
    """One container instance: a restart makes a new one (fresh writable layer, same volumes).

    ``logs`` are (virtual time, line) pairs: an entrypoint's later lines are written ahead and
    show once their time has come. ``ready_at`` is when its server accepts connections."""

    pod_uid: str
    name: str
    image: ImageSpec
    fs: ContainerFS
    logs: list[tuple[float, str]] = field(default_factory=list)
    pid: int = 1
    ready_at: float = 0.0
    previous: list[tuple[float, str]] = field(default_factory=list)


class Terminal:
    """A live terminal session in a container (``kubectl run -it``, ``exec -it ... -- zsh``): the
    shell's banner and prompt first, then one typed line at a time."""

    def __init__(self, shell: Shell, prompt: str, banner: str) -> None:
        self.shell = shell
        self.prompt = prompt
        self.banner = banner
        self.exited = False

    def start(self) -> str:
        return self.banner + self.prompt

    def feed(self, line: str) -> str:
        """Run one line; returns what the terminal shows after it (output, then the next prompt
        unless the shell exited: see :attr:`exited` and :attr:`code`)."""
        res = self.shell.interactive([line], prompt=self.prompt, echo=False)
        self.exited = self.shell.exited
        return res.output if self.exited else res.output + self.prompt

    @property
    def code(self) -> int:
        return int(self.shell.st.status)


class _Services:
    """What commands inside a container can reach: the clock, DNS, HTTP."""

    def __init__(self, runtime: ContainerRuntime, pod: Any, image: ImageSpec) -> None:
        self.runtime = runtime
        self.pod = pod
        self.image = image

    def sleep(self, seconds: float) -> None:
        self.runtime.core.run(float(seconds))

    def now(self) -> float:
        return self.runtime.core.store.epoch.timestamp() + self.runtime.core.now

    def resolve_host(self, name: str) -> Any:
        ns = self.pod["metadata"]["namespace"]
        if name in (self.pod["spec"].get("hostname"), self.pod["metadata"]["name"]):
            return str(get_in(self.pod, ("status", "podIP")) or "127.0.0.1")
        if not network.dns_allowed(self.runtime.core, self._current()):
            return DROPPED
        answers = network.resolve(self.runtime.core, name, "A", from_pod=self.pod["metadata"]["name"], namespace=ns)
        return answers[0] if answers else None

    def _current(self) -> Any:
        """The pod as stored now (its labels decide which policies apply)."""
        meta = self.pod["metadata"]
        return self.runtime.core.store.try_get("Pod", meta["name"], meta["namespace"]) or self.pod

    def http(self, ip: str, port: int, method: str, path: str) -> Any:
        return network.http(self.runtime.core, self.pod, ip, port, method, path)

    def tcp_connect(self, ip: str, port: int) -> Any:
        return network.connect(self.runtime.core, self.pod, ip, port)

    def server_state(self, host: str, port: int) -> str:
        """``up``, ``starting`` or ``down``: a TCP server at ``host:port`` as a client here meets it
        (this pod's own for an empty host or a loopback name; else through the pod network: a pod
        IP or name, a Service's address, NetworkPolicy drops)."""
        if host in ("", "localhost", "127.0.0.1", "::1", self.pod["metadata"]["name"],
                    self.pod["spec"].get("hostname")):
            return self.runtime.port_state(self.pod, port)
        ip = host if _is_ip(host) else self.resolve_host(host)
        if not isinstance(ip, str):
            return "down"
        routed = network.route(self.runtime.core, self._current(), ip, port)
        if not isinstance(routed, tuple):
            return "down"
        target, tport = routed
        kubelet = self.runtime.core.kubelet(get_in(target, ("spec", "nodeName")))
        if kubelet is None or not kubelet.alive:
            return "down"
        return str(kubelet.runtime.port_state(target, tport))

    def dns_tool(self, argv: list[str]) -> tuple[str, str, int]:
        core = self.runtime.core
        resolv = network.resolv_conf(core, self.pod["metadata"]["namespace"], self._current())
        # Images with BIND tools (dig) ship its nslookup; busybox images have the applet.
        flavor = "bind" if "dig" in self.image.tools else "busybox"
        if not network.dns_allowed(core, self._current()):
            out, err, code, waited = unreachable_dns_tool(argv, resolv, flavor=flavor)
            self.sleep(waited)
            return out, err, code
        result: tuple[str, str, int] = run_dns_tool(argv, resolv, lambda q, t: network.query(core, q, t),
                                                    flavor=flavor)
        return result


class _KubeletServices(_Services):
    """Services for a command the kubelet runs (an exec probe, a step of the main process): its
    ``sleep`` cannot run the cluster's clock from inside the kubelet, so it counts seconds and
    stops the command once they pass ``timeout``."""

    def __init__(self, runtime: ContainerRuntime, pod: Any, image: ImageSpec, timeout: float) -> None:
        super().__init__(runtime, pod, image)
        self.timeout = timeout
        self.slept = 0.0
        self.timed_out = False

    def sleep(self, seconds: float) -> None:
        self.slept += float(seconds)
        if self.slept > self.timeout:
            self.timed_out = True
            raise Interrupt()


class ContainerRuntime:
    def __init__(self, core: Core, node_name: str) -> None:
        self.core = core
        self.node_name = node_name
        self.containers: dict[tuple[str, str], Container] = {}
        self.empty_dirs: dict[tuple[str, str], MemFS] = {}

    # --------------------------------------------------------------------------- file systems
    def _clock(self) -> float:
        return self.core.store.epoch.timestamp() + self.core.now

    def volume_fs(self, pod: Any, volume: Any) -> MemFS:
        claim = get_in(volume, ("persistentVolumeClaim", "claimName"))
        if claim:
            pvc = self.core.store.try_get("PersistentVolumeClaim", claim, pod["metadata"]["namespace"])
            pv = get_in(pvc, ("spec", "volumeName")) if pvc is not None else None
            if pv:
                data = self.core.volume_data.get(pv)
                if data is None:
                    data = MemFS(clock=self._clock)
                    self.core.volume_data[pv] = data
                return data
        key = (pod["metadata"]["uid"], volume["name"])
        if key not in self.empty_dirs:
            files = {}
            if volume["name"].startswith("kube-api-access-"):
                files = {"/token": "eyJhbGciOiJSUzI1NiJ9.simulated.token\n", "/ca.crt": "-----BEGIN CERTIFICATE-----\n",
                         "/namespace": pod["metadata"]["namespace"]}
            self.empty_dirs[key] = MemFS(files, clock=self._clock)
        return self.empty_dirs[key]

    def container(self, pod: Any, name: str) -> Container | None:
        key = (pod["metadata"]["uid"], name)
        if key in self.containers:
            return self.containers[key]
        spec = next((c for c in pod["spec"].get("containers", []) if c["name"] == name), None)
        if spec is None:
            return None
        image = self.core.images.lookup(spec.get("image", ""))
        if image is None:
            return None
        volumes = {v["name"]: v for v in pod["spec"].get("volumes") or ()}
        mounts = {}
        for m in spec.get("volumeMounts") or ():
            vol = volumes.get(m["name"])
            if vol is not None:
                mounts[m["mountPath"]] = self.volume_fs(pod, vol)
        files = dict(image.files)
        ip = get_in(pod, ("status", "podIP"))
        aliases = [(str(a.get("ip", "")), [str(h) for h in a.get("hostnames") or ()])
                   for a in pod["spec"].get("hostAliases") or ()]
        files.update(pod_files(pod["spec"].get("hostname") or pod["metadata"]["name"], [ip] if ip else [],
                               pod["metadata"]["namespace"], pod["spec"].get("subdomain") or "",
                               self.core.topology.zone, (self.core.topology.dns_ip,), aliases))
        files["/etc/resolv.conf"] = pod_dns(pod, self.core.topology.dns_ip, self.core.topology.zone).resolv_conf()
        argv = [*(spec.get("command") or image.command), *(spec.get("args") or ())]
        mounts.setdefault("/dev", DevFS(f"{pod['metadata']['uid']}/{name}", clock=self._clock))
        mounts.setdefault("/proc", MemFS(proc_files(argv, self._env(pod, spec, image)), clock=self._clock))
        c = Container(pod["metadata"]["uid"], name, image, ContainerFS(files, mounts, clock=self._clock))
        self.containers[key] = c
        return c

    def start(self, pod: Any, name: str) -> Any:
        """Container ``name`` (re)starts: a new instance (a fresh writable layer over the same
        volumes; the last one's logs kept for ``--previous``) runs its image's entrypoint. Returns
        the entrypoint's :class:`~simk8s.node.dbimages.Startup`, or None for images without one."""
        key = (pod["metadata"]["uid"], name)
        old = self.containers.pop(key, None)
        now = self.core.now
        image = self.core.images.lookup(next((c.get("image", "") for c in pod["spec"]["containers"]
                                                 if c["name"] == name), ""))
        if old is None and (image is None or image.start is None):
            return None  # created on first use, so image files keep the times the lessons show
        c = self.container(pod, name)
        if c is None:
            return None
        if old is not None:
            c.previous = [entry for entry in old.logs if entry[0] <= now]
        c.ready_at = now
        spec = next(x for x in pod["spec"]["containers"] if x["name"] == name)
        if c.image.start is None or not _runs_entrypoint(spec, c.image):
            return None
        startup = c.image.start(self._env(pod, spec, c.image), c.fs, self._clock())
        c.logs.extend((now + offset, line) for offset, line in startup.logs)
        c.ready_at = now + startup.ready_after
        return startup

    def drop(self, pod_uid: str) -> None:
        for key in [k for k in self.containers if k[0] == pod_uid]:
            del self.containers[key]
        for key in [k for k in self.empty_dirs if k[0] == pod_uid]:
            del self.empty_dirs[key]

    # ---------------------------------------------------------------------------------- exec
    def _shell(self, pod: Any, c: Container, dialect: str | None = None, tty: bool = False,
               services: _Services | None = None) -> Shell:
        commands = dict(c.image.commands())
        for name, cmd in NET_COMMANDS.items():
            if name in c.image.tools and name not in commands:
                commands[name] = cmd
        spec = next(x for x in pod["spec"]["containers"] if x["name"] == c.name)
        env = self._env(pod, spec, c.image)
        c.pid += 1
        return Shell(commands, c.fs, env=env, dialect=dialect or c.image.sh_dialect,
                     hostname=env["HOSTNAME"], services=services or _Services(self, pod, c.image), cwd="/root"
                     if c.fs.isdir("/root") else "/", sh_dialect=c.image.sh_dialect, pid=c.pid, tty=tty)

    @staticmethod
    def _env(pod: Any, spec: Any, image: ImageSpec) -> dict[str, str]:
        """The environment of a process in container ``spec``: the runtime's defaults, the image's
        variables, then the container's ``env`` values."""
        env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
               "HOSTNAME": pod["spec"].get("hostname") or pod["metadata"]["name"], "HOME": "/root"}
        env.update(dict(image.env))
        for e in spec.get("env") or ():
            if "value" in e:
                env[e["name"]] = str(e["value"])
        return env

    def exec(self, pod: Any, container: str, argv: list[str], stdin: str = "", tty: bool = False,
             probe_timeout: float | None = None) -> Result:
        """Run ``argv`` in the container; raises :class:`ExecError` when it cannot start, and with a
        ``probe_timeout`` (the kubelet's exec probe) :class:`ProbeTimeout` when it runs too long."""
        c = self.container(pod, container)
        if c is None:
            raise ExecError(f'unable to upgrade connection: container not found ("{container}")')
        services = _KubeletServices(self, pod, c.image, probe_timeout) if probe_timeout is not None else None
        shell = self._shell(pod, c, tty=tty, services=services)
        result = shell.exec_argv(list(argv), stdin=stdin)
        if result is None:
            raise ExecError(
                "Internal error occurred: error executing command in container: failed to "
                f'exec in container: failed to start exec "{_exec_id(pod, argv[0])}": OCI runtime exec failed: exec '
                f'failed: unable to start container process: exec: "{argv[0]}": executable file not found in $PATH: '
                "unknown", 1)
        if services is not None and services.timed_out:
            raise ProbeTimeout(" ".join(argv))
        return result

    def run_main(self, pod: Any, container: str, script: str) -> int:
        """Run one step of the container's main process (``sh -c`` text); what it prints goes to
        the container's log. Returns its exit status."""
        c = self.container(pod, container)
        if c is None:
            return 127
        services = _KubeletServices(self, pod, c.image, float("inf"))
        result = self._shell(pod, c, services=services).run(script)
        now = self.core.now
        c.logs.extend((now, line) for line in (result.output or result.stdout + result.stderr).splitlines())
        return result.code

    def terminal(self, pod: Any, container: str, argv: list[str]) -> Terminal | None:
        """A live terminal for ``argv`` when it is an interactive shell (None for other programs,
        which read their whole stdin instead)."""
        c = self.container(pod, container)
        if c is None:
            raise ExecError(f'unable to upgrade connection: container not found ("{container}")')
        prog = argv[0].rsplit("/", 1)[-1] if argv else c.image.default_shell
        if prog not in ("sh", "bash", "zsh", "ash") or len(argv) > 1:
            return None
        dialect = {"sh": c.image.sh_dialect, "ash": "ash"}.get(prog, prog)
        shell = self._shell(pod, c, dialect=dialect, tty=True)
        prompt = c.image.prompt(shell.hostname) if prog == c.image.default_shell else (
            "# " if prog in ("sh", "ash") else f"root@{shell.hostname}:/# ")
        banner = c.image.banner if prog == c.image.default_shell else ""
        if banner and not banner.endswith("\n"):
            banner = banner.rstrip(" ")
            banner += "" if banner.endswith("\n") else "\n"
        return Terminal(shell, prompt, banner)

    def interactive(self, pod: Any, container: str, argv: list[str], lines: list[str]) -> Result:
        """A terminal session (``kubectl run -it`` / ``exec -it ... -- zsh``) fed scripted lines."""
        term = self.terminal(pod, container, argv)
        if term is None:
            return self.exec(pod, container, argv, "\n".join(lines) + ("\n" if lines else ""), tty=True)
        res = term.shell.interactive(lines, prompt=term.prompt)
        return Result(res.stdout, res.stderr, res.code, term.banner + res.output)

    # ---------------------------------------------------------------------------------- http
    def serve_http(self, pod: Any, port: int, method: str, path: str, client_ip: str,
                   user_agent: str = "curl/7.88.1") -> tuple[int, list[tuple[str, str]], str] | None:
        kubelet = self.core.kubelet(self.node_name)
        rt = kubelet.pods.get((pod["metadata"]["namespace"], pod["metadata"]["name"])) if kubelet else None
        for spec in pod["spec"].get("containers", []):
            if rt is None or spec["name"] not in rt.running:
                continue
            c = self.container(pod, spec["name"])
            if c is None or not c.image.serves_http or port not in _ports(spec, c.image):
                continue
            now = self._clock()
            if c.image.generic:
                # An application image the catalogue does not know: a healthy app answers 200.
                return 200, [("Date", _http_date(now)), ("Content-Length", "0")], ""
            reply = serve(c.fs, method, path, server=c.image.http_server or "nginx", host=client_ip, now=now,
                          root=c.image.web_root)
            if reply.error:
                c.logs.append((self.core.now, error_log_line(reply.error, client_ip, method, path, now=now)))
            c.logs.append((self.core.now, access_log_line(client_ip, method, path, reply.status,
                                                             len(reply.body.encode()), user_agent=user_agent,
                                                             now=now)))
            return reply.status, list(reply.headers), reply.body
        return None

    def port_state(self, pod: Any, port: int) -> str:
        """``up`` when a running container of ``pod`` accepts connections on ``port``,
        ``starting`` while its server is still starting, else ``down``."""
        kubelet = self.core.kubelet(self.node_name)
        rt = kubelet.pods.get((pod["metadata"]["namespace"], pod["metadata"]["name"])) if kubelet else None
        for spec in pod["spec"].get("containers", []):
            if rt is None or spec["name"] not in rt.running:
                continue
            c = self.containers.get((pod["metadata"]["uid"], spec["name"]))
            image = c.image if c is not None else self.core.images.lookup(spec.get("image", ""))
            if image is not None and port in _ports(spec, image):
                return "up" if c is None or c.ready_at <= self.core.now else "starting"
        return "down"

    def listening(self, pod: Any, port: int) -> bool:
        return self.port_state(pod, port) == "up"

    def grpc_serving(self, pod: Any, port: int) -> bool:
        """A gRPC health check on ``port`` answers SERVING: application (generic) images that
        declare the port do; the catalogue's servers do not speak gRPC."""
        if self.port_state(pod, port) != "up":
            return False
        return any(image is not None and image.generic and port in _ports(spec, image)
                   for spec in pod["spec"].get("containers", [])
                   for image in (self.core.images.lookup(spec.get("image", "")),))

    def logs(self, pod: Any, container: str, previous: bool = False) -> str:
        """What ``kubectl logs`` shows: the container's lines so far (``previous``: the last
        terminated instance's)."""
        c = self.containers.get((pod["metadata"]["uid"], container))
        if c is None:
            return ""
        now = self.core.now
        entries = c.previous if previous else c.logs
        return "".join(line + "\n" for t, line in entries if t <= now)


def _ports(spec: Any, image: ImageSpec) -> tuple[int, ...]:
    """The ports a container listens on: its image's, or for a generic image the declared ones."""
    if image.generic:
        return tuple(int(p["containerPort"]) for p in spec.get("ports") or () if p.get("containerPort"))
    return image.ports


def _runs_entrypoint(spec: Any, image: ImageSpec) -> bool:
    """Whether the image's own entrypoint runs: ``command`` replaces it; ``args`` replace only its
    arguments, and it runs the server when they are options or name the server itself."""
    if spec.get("command"):
        return False
    args = spec.get("args") or ()
    return not args or str(args[0]).startswith("-") or str(args[0]) == image.command[-1]


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _http_date(now: float) -> str:
    return time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(now))


def _exec_id(pod: Any, prog: str) -> str:
    return hashlib.sha256(f"{pod['metadata']['uid']}/{prog}".encode()).hexdigest()
