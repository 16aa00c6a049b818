"""The container runtime of one node: container file systems, exec, HTTP serving, logs and probes.

A container's file system is its image's files in a private layer with the pod's volumes mounted
over it: a PersistentVolume's data (``cluster.volume_data[pv]``) outlives every pod that mounts
it; an ``emptyDir`` lives as long as the pod. ``exec`` runs a command through the project's
shell with the image's tools; HTTP requests reach images that serve (nginx) and are logged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from simk8s.api.frozen import get_in
from simk8s.devfs import DevFS, proc_files
from simk8s.images import ImageSpec, lookup_image, pod_files, serve
from simk8s.shell import Result, Shell
from simk8s.shell.net import COMMANDS as NET_COMMANDS
from simk8s.shell.timeouts import DROPPED
from simk8s.vfs import ContainerFS, MemFS

if TYPE_CHECKING:
    from simk8s.cluster import Cluster

__all__ = ["ContainerRuntime", "ExecError"]


class ExecError(Exception):
    """kubectl exec failed before the command ran; ``str`` is kubectl's message, ``code`` its exit."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Container:
    pod_uid: str
    name: str
    image: ImageSpec
    fs: ContainerFS
    logs: list[str] = field(default_factory=list)
    pid: int = 1


class _Services:
    """What commands inside a container can reach: the clock, DNS, HTTP."""

    def __init__(self, runtime: ContainerRuntime, pod: Any, image: ImageSpec) -> None:
        self.runtime = runtime
        self.pod = pod
        self.image = image

    def sleep(self, seconds: float) -> None:
        self.runtime.cluster.run(float(seconds))

    def now(self) -> float:
        return self.runtime.cluster.store.epoch.timestamp() + self.runtime.cluster.now

    def resolve_host(self, name: str) -> Any:
        from simk8s import netsim

        ns = self.pod["metadata"]["namespace"]
        if name in (self.pod["spec"].get("hostname"), self.pod["metadata"]["name"]):
            return str(get_in(self.pod, ("status", "podIP")) or "127.0.0.1")
        if not netsim.dns_allowed(self.runtime.cluster, self._current()):
            return DROPPED
        answers = netsim.resolve(self.runtime.cluster, name, "A", namespace=ns)
        return answers[0] if answers else None

    def _current(self) -> Any:
        """The pod as stored now (its labels decide which policies apply)."""
        meta = self.pod["metadata"]
        return self.runtime.cluster.store.try_get("Pod", meta["name"], meta["namespace"]) or self.pod

    def http(self, ip: str, port: int, method: str, path: str) -> Any:
        from simk8s import netsim

        return netsim.http(self.runtime.cluster, self.pod, ip, port, method, path)

    def tcp_connect(self, ip: str, port: int) -> Any:
        from simk8s import netsim

        return netsim.connect(self.runtime.cluster, self.pod, ip, port)

    def dns_tool(self, argv: list[str]) -> tuple[str, str, int]:
        from simk8s import netsim
        from simk8s.dns.tools import run_dns_tool, unreachable_dns_tool

        cluster = self.runtime.cluster
        resolv = netsim.resolv_conf(cluster, self.pod["metadata"]["namespace"])
        # Images with BIND tools (dig) ship its nslookup; busybox images have the applet.
        flavor = "bind" if "dig" in self.image.tools else "busybox"
        if not netsim.dns_allowed(cluster, self._current()):
            out, err, code, waited = unreachable_dns_tool(argv, resolv, flavor=flavor)
            self.sleep(waited)
            return out, err, code
        result: tuple[str, str, int] = run_dns_tool(argv, resolv, lambda q, t: netsim.query(cluster, q, t),
                                                    flavor=flavor)
        return result


class ContainerRuntime:
    def __init__(self, cluster: Cluster, node_name: str) -> None:
        self.cluster = cluster
        self.node_name = node_name
        self.containers: dict[tuple[str, str], Container] = {}
        self.empty_dirs: dict[tuple[str, str], MemFS] = {}

    # --------------------------------------------------------------------------- file systems
    def _clock(self) -> float:
        return self.cluster.store.epoch.timestamp() + self.cluster.now

    def volume_fs(self, pod: Any, volume: Any) -> MemFS:
        claim = get_in(volume, ("persistentVolumeClaim", "claimName"))
        if claim:
            pvc = self.cluster.store.try_get("PersistentVolumeClaim", claim, pod["metadata"]["namespace"])
            pv = get_in(pvc, ("spec", "volumeName")) if pvc is not None else None
            if pv:
                data = self.cluster.volume_data.get(pv)
                if data is None:
                    data = MemFS(clock=self._clock)
                    self.cluster.volume_data[pv] = data
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
        image = lookup_image(spec.get("image", ""))
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
        files.update(pod_files(pod["spec"].get("hostname") or pod["metadata"]["name"], [ip] if ip else [],
                               pod["metadata"]["namespace"], pod["spec"].get("subdomain") or "",
                               self.cluster.topology.zone, (self.cluster.topology.dns_ip,)))
        argv = [*(spec.get("command") or image.command), *(spec.get("args") or ())]
        mounts.setdefault("/dev", DevFS(f"{pod['metadata']['uid']}/{name}", clock=self._clock))
        mounts.setdefault("/proc", MemFS(proc_files(argv, self._env(pod, spec, image)), clock=self._clock))
        c = Container(pod["metadata"]["uid"], name, image, ContainerFS(files, mounts, clock=self._clock))
        self.containers[key] = c
        return c

    def drop(self, pod_uid: str) -> None:
        for key in [k for k in self.containers if k[0] == pod_uid]:
            del self.containers[key]
        for key in [k for k in self.empty_dirs if k[0] == pod_uid]:
            del self.empty_dirs[key]

    # ---------------------------------------------------------------------------------- exec
    def _shell(self, pod: Any, c: Container, dialect: str | None = None, tty: bool = False) -> Shell:
        commands = dict(c.image.commands())
        for name, cmd in NET_COMMANDS.items():
            if name in c.image.tools and name not in commands:
                commands[name] = cmd
        spec = next(x for x in pod["spec"]["containers"] if x["name"] == c.name)
        env = self._env(pod, spec, c.image)
        c.pid += 1
        return Shell(commands, c.fs, env=env, dialect=dialect or c.image.sh_dialect,
                     hostname=env["HOSTNAME"], services=_Services(self, pod, c.image), cwd="/root"
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

    def exec(self, pod: Any, container: str, argv: list[str], stdin: str = "", tty: bool = False) -> Result:
        """Run ``argv`` in the container; raises :class:`ExecError` when it cannot start."""
        c = self.container(pod, container)
        if c is None:
            raise ExecError(f'unable to upgrade connection: container not found ("{container}")')
        shell = self._shell(pod, c, tty=tty)
        result = shell.exec_argv(list(argv), stdin=stdin)
        if result is None:
            raise ExecError(
                "Internal error occurred: error executing command in container: failed to "
                f'exec in container: failed to start exec "{_exec_id(pod, argv[0])}": OCI runtime exec failed: exec '
                f'failed: unable to start container process: exec: "{argv[0]}": executable file not found in $PATH: '
                "unknown", 1)
        return result

    def interactive(self, pod: Any, container: str, argv: list[str], lines: list[str]) -> Result:
        """A terminal session (``kubectl run -it`` / ``exec -it ... -- zsh``) fed scripted lines."""
        c = self.container(pod, container)
        if c is None:
            raise ExecError(f'unable to upgrade connection: container not found ("{container}")')
        prog = argv[0].rsplit("/", 1)[-1] if argv else c.image.default_shell
        if prog in ("sh", "bash", "zsh", "ash") and len(argv) <= 1:
            dialect = {"sh": c.image.sh_dialect, "ash": "ash"}.get(prog, prog)
            shell = self._shell(pod, c, dialect=dialect, tty=True)
            prompt = c.image.prompt(shell.hostname) if prog == c.image.default_shell else (
                "# " if prog in ("sh", "ash") else f"root@{shell.hostname}:/# ")
            banner = c.image.banner if prog == c.image.default_shell else ""
            if banner and not banner.endswith("\n"):
                banner = banner.rstrip(" ")
                banner += "" if banner.endswith("\n") else "\n"
            res = shell.interactive(lines, prompt=prompt)
            return Result(res.stdout, res.stderr, res.code, banner + res.output)
        return self.exec(pod, container, argv, "\n".join(lines) + ("\n" if lines else ""), tty=True)

    # ---------------------------------------------------------------------------------- http
    def serve_http(self, pod: Any, port: int, method: str, path: str, client_ip: str,
                   user_agent: str = "curl/7.88.1") -> tuple[int, list[tuple[str, str]], str] | None:
        kubelet = self.cluster.kubelet(self.node_name)
        rt = kubelet.pods.get((pod["metadata"]["namespace"], pod["metadata"]["name"])) if kubelet else None
        for spec in pod["spec"].get("containers", []):
            if rt is None or spec["name"] not in rt.running:
                continue
            c = self.container(pod, spec["name"])
            if c is None or not c.image.serves_http:
                continue
            if port not in c.image.ports:
                continue
            now = self._clock()
            reply = serve(c.fs, method, path, server=c.image.http_server or "nginx", host=client_ip, now=now,
                          root=c.image.web_root)
            from simk8s.images import access_log_line, error_log_line

            if reply.error:
                c.logs.append(error_log_line(reply.error, client_ip, method, path, now=now))
            c.logs.append(access_log_line(client_ip, method, path, reply.status, len(reply.body.encode()),
                                          user_agent=user_agent, now=now))
            return reply.status, list(reply.headers), reply.body
        return None

    def listening(self, pod: Any, port: int) -> bool:
        for spec in pod["spec"].get("containers", []):
            image = lookup_image(spec.get("image", ""))
            if image is not None and port in image.ports:
                return True
        return False

    def logs(self, pod: Any, container: str) -> str:
        c = self.containers.get((pod["metadata"]["uid"], container))
        if c is None:
            return ""
        return "".join(line + "\n" for line in c.logs)


def _exec_id(pod: Any, prog: str) -> str:
    import hashlib

    return hashlib.sha256(f"{pod['metadata']['uid']}/{prog}".encode()).hexdigest()
