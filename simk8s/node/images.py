"""Container images: an open world with a catalogue for the images lessons use.

:func:`lookup_image` normalises a reference the way a container runtime does (``nginx`` means
``docker.io/library/nginx:latest``; ``k8s.gcr.io`` and ``registry.k8s.io`` are the same
registry) and returns an :class:`ImageSpec` for every well-formed reference: the catalogue
(nginx, nginx-slim, busybox, netshoot, dnsutils, alpine/debian/ubuntu and the databases of
:mod:`simk8s.node.dbimages`) adds fidelity, and any other image is a generic one with a busybox-like
userland that listens on the ports its container declares. Which references do *not* exist is
the cluster's choice (:class:`ImageRegistry`, ``Cluster(missing_images=...)``), so a lesson can
still show ``ErrImagePull``. A spec says which commands the image has, what ``sh`` is there, its
initial files, whether it serves HTTP and what its entrypoint does.

Facts from upstream: ``k8s.gcr.io/nginx-slim:0.8`` was built in 2016 from
kubernetes/contrib ``images/nginx-slim`` (nginx 1.11.1 on ubuntu-slim, i.e. Ubuntu 16.04, with
bash and curl kept); netshoot's banner is its ``motd`` file of 2021–2023. Image sizes and pull
times are approximations calibrated to the seed lab, and digests are derived deterministically
from the name (they are not the registries' real digests).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from simk8s.node.dbimages import DATABASES, Start, db_commands
from simk8s.node.imageref import InvalidReference, canonical_name, normalize_ref, parse
from simk8s.node.nginx import HttpReply, access_log_line, error_log_line, nginx_files, serve, serve_http
from simk8s.node.shell.context import Command
from simk8s.node.shell.interp import Shell
from simk8s.node.shell.net import make_curl
from simk8s.node.shell.registry import commands_for
from simk8s.node.vfs import ContainerFS, FileSystem, MemFS

__all__ = [
    "HttpReply",
    "ImageRegistry",
    "ImageSpec",
    "InvalidReference",
    "access_log_line",
    "canonical_name",
    "error_log_line",
    "lookup_image",
    "normalize_ref",
    "pod_files",
    "serve",
    "serve_http",
]

# ---- tool sets ------------------------------------------------------------------------------

_GNU = frozenset({
    "cat", "ls", "mkdir", "rm", "mv", "cp", "touch", "head", "tail", "grep", "wc", "sort", "env",
    "sleep", "date", "id", "whoami", "pwd", "uname", "test", "[", "seq", "tee", "echo", "printf",
    "true", "false", "hostname", "printenv", "tr", "cut", "uniq", "basename", "dirname", "xargs", "sed",
    "awk",
})
_DEBIAN = _GNU | {"sh", "dash", "bash", "which"}
_BUSYBOX = _GNU | {"sh", "ash", "wget", "nslookup"}

NETSHOOT_BANNER = (
    "                    dP            dP                           dP   \n"
    "                    88            88                           88   \n"
    "88d888b. .d8888b. d8888P .d8888b. 88d888b. .d8888b. .d8888b. d8888P \n"
    "88'  `88 88ooood8   88   Y8ooooo. 88'  `88 88'  `88 88'  `88   88   \n"
    "88    88 88.  ...   88         88 88    88 88.  .88 88.  .88   88   \n"
    "dP    dP `88888P'   dP   `88888P' dP    dP `88888P' `88888P'   dP   \n"
    "                                                                    \n"
    "Welcome to Netshoot! (github.com/nicolaka/netshoot)\n"
    "                                                                "
)



@dataclass(frozen=True)
class ImageSpec:
    """One image: what runs in it and what it contains.

    ``tools`` are the command names on its PATH; ``sh_dialect`` is what ``sh`` is (``dash`` on
    Debian/Ubuntu, ``ash`` on busybox/alpine); ``default_shell`` is the shell ``kubectl exec -it``
    users typically start; ``http_server`` is the ``Server`` header value when ``serves_http``.
    ``command`` is the default process; ``long_running`` False means it exits at once without a
    command (busybox runs ``sh`` and ends, so its pod completes or crash-loops).
    """

    name: str
    tools: frozenset[str]
    default_shell: str = "sh"
    sh_dialect: str = "dash"
    files: Mapping[str, str] = field(default_factory=dict, compare=False)
    ports: tuple[int, ...] = ()
    serves_http: bool = False
    http_server: str = ""
    web_root: str = "/usr/share/nginx/html"
    banner: str = ""
    pull_seconds: float = 2.0
    size: int = 10_000_000
    curl_version: str = ""
    command: tuple[str, ...] = ()
    long_running: bool = True
    env: Mapping[str, str] = field(default_factory=dict, compare=False)
    workdir: str = "/"
    generic: bool = False
    data_dir: str = ""
    start: Start | None = field(default=None, compare=False)

    @property
    def startup_output(self) -> str:
        """What the interactive :attr:`default_shell` prints before its first prompt, byte for
        byte: netshoot's zshrc cats the motd, then sets iTerm2 tab colours with three invisible
        OSC escapes, one line each."""
        if not self.banner:
            return ""
        return self.banner + "".join(f"\x1b]6;1;bg;{c};brightness;{v}\x07\n"
                                     for c, v in (("red", 18), ("green", 26), ("blue", 33)))

    @property
    def digest(self) -> str:
        """A stable stand-in for the image digest (``sha256:<64 hex>``)."""
        return "sha256:" + hashlib.sha256(self.name.encode()).hexdigest()

    @property
    def image_id(self) -> str:
        """What ``status.containerStatuses[].imageID`` shows: ``<repo>@sha256:...``."""
        return self.name.rsplit(":", 1)[0] + "@" + self.digest

    def commands(self) -> dict[str, Command]:
        """The command table for a shell inside this image."""
        table = commands_for(self.tools)
        table.update(db_commands(self.tools))
        if "curl" in self.tools:
            table["curl"] = make_curl(self.curl_version or "7.88.1")
        return table

    def filesystem(self, mounts: Mapping[str, MemFS] | None = None, extra: Mapping[str, str] | None = None,
                   clock: Callable[[], float] | None = None) -> ContainerFS:
        """A fresh container file system: the image's files plus ``extra`` (e.g. :func:`pod_files`)
        in its own layer, with ``mounts`` (volume MemFS objects) over their paths."""
        files = {**self.files, **(extra or {})}
        return ContainerFS(files, mounts, clock) if clock is not None else ContainerFS(files, mounts)

    def shell(self, fs: FileSystem, hostname: str, services: Any = None, env: Mapping[str, str] | None = None,
              tty: bool = False, dialect: str | None = None) -> Shell:
        """A shell inside a container of this image (``sh`` flavour by default; pass
        ``dialect="zsh"`` etc. for ``kubectl exec -- zsh``)."""
        environment = {"HOSTNAME": hostname, "HOME": "/root", **self.env, **(env or {})}
        return Shell(self.commands(), fs, environment, dialect or self.sh_dialect, hostname, services,
                     cwd=self.workdir, sh_dialect=self.sh_dialect, tty=tty)

    def prompt(self, hostname: str, cwd: str | None = None, home: str = "/root",
               shell: str | None = None) -> str:
        """The prompt root sees in an interactive ``shell`` (default :attr:`default_shell`) started
        by ``kubectl exec -it``/``run -it`` in ``cwd`` (default :attr:`workdir`): not a login shell,
        so only the shell's rc files count."""
        cwd = cwd or self.workdir
        shown = "~" + cwd[len(home):] if cwd == home or cwd.startswith(home + "/") else cwd
        shell = shell or self.default_shell
        if shell == "zsh":
            # netshoot's powerlevel10k shows host and dir segments; plain zsh is "%m%# "
            return f"{hostname} {shown} " if self.banner else f"{hostname}# "
        if shell == "bash":  # Debian's /etc/bash.bashrc: \u@\h:\w\$
            return f"root@{hostname}:{shown}# "
        if self.sh_dialect == "ash":  # busybox's built-in PS1 '\w \$ '
            return f"{shown} # "
        return "# "  # dash


# ---- the catalogue --------------------------------------------------------------------------


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", text))


_NGINX_ALIASES = {"latest": "1.27.3", "mainline": "1.27.3", "stable": "1.26.2", "alpine": "1.27.3",
                  "stable-alpine": "1.26.2", "mainline-alpine": "1.27.3", "bookworm": "1.27.3"}
# The patch release a minor-version tag pointed at when Kubernetes 1.32 was current.
_NGINX_MINOR_TAGS = {"1.14": "1.14.2", "1.15": "1.15.12", "1.16": "1.16.1", "1.17": "1.17.10",
                     "1.18": "1.18.0", "1.19": "1.19.10", "1.20": "1.20.2", "1.21": "1.21.6",
                     "1.22": "1.22.1", "1.23": "1.23.4", "1.24": "1.24.0", "1.25": "1.25.5",
                     "1.26": "1.26.2", "1.27": "1.27.3"}
_BUSYBOX_ALIASES = {"latest": "1.37.0", "stable": "1.36.1", "musl": "1.37.0", "glibc": "1.37.0",
                    "uclibc": "1.37.0"}
_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def _nginx_slim(name: str) -> ImageSpec:
    return ImageSpec(
        name=name, tools=_DEBIAN | {"curl"}, default_shell="bash", sh_dialect="dash",
        files=nginx_files((1, 11, 1)), ports=(80, 443), serves_http=True, http_server="nginx/1.11.1",
        pull_seconds=8.6, size=51_455_444, curl_version="7.47.0",
        command=("nginx", "-g", "daemon off;"), env={"PATH": _PATH},
    )


def _nginx(name: str, tag: str) -> ImageSpec:
    alpine = "alpine" in tag
    base = re.sub(r"-(alpine|bookworm|bullseye|perl|alpine-slim|alpine-perl|otel|alpine-otel)$", "", tag)
    version = _NGINX_ALIASES.get(tag) or _NGINX_ALIASES.get(base) or _NGINX_MINOR_TAGS.get(base) or base
    if not re.fullmatch(r"\d+\.\d+(\.\d+)?", version):
        version = _NGINX_ALIASES["latest"]  # a tag that is no version (a build name): the current one
    if len(_version(version)) == 2:
        version += ".0"
    tools = (_BUSYBOX - {"nslookup"}) | {"curl"} if alpine else _DEBIAN | {"curl"}
    return ImageSpec(
        name=name, tools=frozenset(tools), default_shell="sh" if alpine else "bash",
        sh_dialect="ash" if alpine else "dash", files=nginx_files(_version(version)), ports=(80,),
        serves_http=True, http_server=f"nginx/{version}", pull_seconds=3.0 if alpine else 6.5,
        size=20_000_000 if alpine else 72_000_000, curl_version="8.11.1" if alpine else "7.88.1",
        command=("nginx", "-g", "daemon off;"), env={"PATH": _PATH, "NGINX_VERSION": version},
    )


def _busybox(name: str, tag: str) -> ImageSpec:
    return ImageSpec(
        name=name, tools=_BUSYBOX, default_shell="sh", sh_dialect="ash",
        files={"/root/.keep": "", "/tmp/.keep": "", "/etc/hostname": ""}, pull_seconds=1.5,
        size=2_200_000, command=("sh",), long_running=False, env={"PATH": _PATH},
    )


def _netshoot(name: str) -> ImageSpec:
    tools = _BUSYBOX | {"bash", "zsh", "curl", "dig", "host", "nslookup", "nc"}
    return ImageSpec(
        name=name, tools=frozenset(tools), default_shell="zsh", sh_dialect="ash",
        files={"/root/motd": NETSHOOT_BANNER, "/root/.keep": "", "/tmp/.keep": ""},
        banner=NETSHOOT_BANNER, pull_seconds=12.0, size=193_000_000, curl_version="8.5.0",
        command=("zsh",), long_running=False, env={"PATH": _PATH}, workdir="/root",
    )


def _distro(name: str, repo: str) -> ImageSpec:
    if repo == "alpine":
        return ImageSpec(name=name, tools=_BUSYBOX, sh_dialect="ash", files={"/root/.keep": ""},
                         pull_seconds=1.5, size=3_600_000, command=("/bin/sh",), long_running=False,
                         env={"PATH": _PATH})
    return ImageSpec(name=name, tools=_DEBIAN, default_shell="bash", files={"/root/.keep": ""},
                     pull_seconds=4.0, size=29_000_000, command=("bash",), long_running=False,
                     env={"PATH": _PATH})


def _dnsutils(name: str) -> ImageSpec:
    return ImageSpec(name=name, tools=_DEBIAN | {"nslookup", "dig", "host"}, default_shell="sh",
                     files={"/root/.keep": ""}, pull_seconds=9.0, size=112_000_000,
                     command=("sleep", "infinity"), env={"PATH": _PATH})


def _database(name: str, repo: str, tag: str) -> ImageSpec:
    db = DATABASES[repo]
    version = db.version(tag)
    alpine = "alpine" in tag
    base = (_BUSYBOX - {"nslookup"}) if alpine else _DEBIAN
    command = {"postgres": ("docker-entrypoint.sh", "postgres"), "mysql": ("docker-entrypoint.sh", "mysqld"),
               "mariadb": ("docker-entrypoint.sh", "mariadbd"), "redis": ("docker-entrypoint.sh", "redis-server"),
               "mongo": ("docker-entrypoint.sh", "mongod")}[repo]
    return ImageSpec(name=name, tools=frozenset(base | db.tools), default_shell="sh" if alpine else "bash",
                     sh_dialect="ash" if alpine else "dash", files={"/root/.keep": "", f"{db.data_dir}/.keep": ""},
                     ports=db.ports, size=db.size // (3 if alpine else 1), command=command,
                     env={"PATH": _PATH, **db.env(version)}, data_dir=db.data_dir, start=db.start(version))


def _generic(name: str, repo: str) -> ImageSpec:
    """Any image the catalogue does not know: a busybox-like userland whose main process runs on
    and listens on the ports its container declares (see :attr:`ImageSpec.generic`)."""
    digest = hashlib.sha256(name.encode()).digest()
    size = 20_000_000 + int.from_bytes(digest[:4], "big") % 180_000_000
    return ImageSpec(name=name, tools=_BUSYBOX, default_shell="sh", sh_dialect="ash",
                     files={"/root/.keep": "", "/tmp/.keep": ""}, size=size,
                     command=(repo.rsplit("/", 1)[-1],), env={"PATH": _PATH}, generic=True, serves_http=True)


def lookup_image(ref: str) -> ImageSpec | None:
    """The image ``ref`` names, or None when ``ref`` is malformed (``InvalidImageName``).

    The spec's ``name`` is the canonical reference; ``k8s.gcr.io`` and
    ``gcr.io/google_containers`` serve the same images as ``registry.k8s.io``. Every well-formed
    reference names an image here; :class:`ImageRegistry` decides which ones do not exist.
    """
    try:
        parsed = parse(ref)
    except InvalidReference:
        return None
    registry, repo, tag = parsed.registry, parsed.repository, parsed.tag
    name = parsed.name
    if registry in ("k8s.gcr.io", "registry.k8s.io"):
        registry = "registry.k8s.io"
    elif registry == "gcr.io" and repo.startswith("google_containers/"):
        registry, repo = "registry.k8s.io", repo[len("google_containers/"):]
    if registry == "registry.k8s.io":
        if repo == "nginx-slim":
            return _nginx_slim(name)
        if repo in ("e2e-test-images/jessie-dnsutils", "e2e-test-images/dnsutils"):
            return _dnsutils(name)
    elif registry == "docker.io":
        short = repo.removeprefix("library/")
        if short == "nginx":
            return _nginx(name, tag)
        if short == "busybox":
            return _busybox(name, tag)
        if repo == "nicolaka/netshoot":
            return _netshoot(name)
        if repo == "tutum/dnsutils":
            return _dnsutils(name)
        if short in ("alpine", "ubuntu", "debian"):
            return _distro(name, short)
        if short in DATABASES:
            return _database(name, short, tag)
    return _generic(name, repo)


class ImageRegistry:
    """Which images exist: all well-formed references but ``missing`` ones (a reference with a
    tag or digest names that image; one without names every tag of its repository) and those on
    registries under the reserved ``.invalid`` domain, whose host names never resolve."""

    def __init__(self, missing: Iterable[str] = ()) -> None:
        self.missing_images: set[str] = set()
        self.missing_repos: set[str] = set()
        for ref in missing:
            try:
                r = parse(ref)
            except InvalidReference:
                continue
            explicit = ":" in ref.rsplit("/", 1)[-1] or "@" in ref
            if explicit:
                self.missing_images.add(r.name)
            else:
                self.missing_repos.add(f"{r.registry}/{r.repository}")

    def lookup(self, ref: str) -> ImageSpec | None:
        """The image, or None when it cannot be pulled (see :meth:`pull_error`)."""
        return None if self.pull_error(ref) else lookup_image(ref)

    def pull_error(self, ref: str) -> str:
        """What containerd answers for a failed pull of ``ref`` (after ``rpc error: ``), or ""."""
        try:
            r = parse(ref)
        except InvalidReference:
            return ""
        name = r.name
        host = r.registry.split(":", 1)[0]
        if host == "invalid" or host.endswith(".invalid"):
            path = "/".join((r.repository, "manifests", r.tag))
            return (f'code = Unknown desc = failed to pull and unpack image "{name}": failed to resolve reference '
                    f'"{name}": failed to do request: Head "https://{r.registry}/v2/{path}": dial tcp: lookup '
                    f"{host}: no such host")
        if f"{r.registry}/{r.repository}" in self.missing_repos:
            if r.registry == "docker.io":
                return (f'code = Unknown desc = failed to pull and unpack image "{name}": failed to resolve '
                        f'reference "{name}": pull access denied, repository does not exist or may require '
                        "authorization: server message: insufficient_scope: authorization failed")
            return self._not_found(name)
        if name in self.missing_images:
            return self._not_found(name)
        return ""

    @staticmethod
    def _not_found(name: str) -> str:
        return (f'code = NotFound desc = failed to pull and unpack image "{name}": failed to resolve reference '
                f'"{name}": {name}: not found')


# ---- kubelet-managed files ------------------------------------------------------------------


def pod_files(hostname: str, pod_ips: list[str], namespace: str = "default", subdomain: str = "",
              cluster_domain: str = "cluster.local", nameservers: tuple[str, ...] = ("10.200.1.10",),
              host_aliases: list[tuple[str, list[str]]] | None = None) -> dict[str, str]:
    """The files the kubelet (and containerd) put in every container of a pod with
    ``dnsPolicy: ClusterFirst``: ``/etc/hosts``, ``/etc/hostname`` and ``/etc/resolv.conf``.

    With a ``subdomain`` (a StatefulSet pod's governing Service) the pod's line in ``/etc/hosts``
    carries its FQDN, ``web-0.nginx.default.svc.cluster.local``.
    """
    lines = ["# Kubernetes-managed hosts file.", "127.0.0.1\tlocalhost",
             "::1\tlocalhost ip6-localhost ip6-loopback", "fe00::0\tip6-localnet",
             "fe00::0\tip6-mcastprefix", "fe00::1\tip6-allnodes", "fe00::2\tip6-allrouters"]
    for ip in pod_ips:
        if subdomain:
            lines.append(f"{ip}\t{hostname}.{subdomain}.{namespace}.svc.{cluster_domain}\t{hostname}")
        else:
            lines.append(f"{ip}\t{hostname}")
    hosts = "\n".join(lines) + "\n"
    if host_aliases:
        hosts += "\n# Entries added by HostAliases.\n" + "".join(
            f"{ip}\t{chr(9).join(names)}\n" for ip, names in host_aliases)
    search = f"{namespace}.svc.{cluster_domain} svc.{cluster_domain} {cluster_domain}"
    resolv = (f"search {search}\n" + "".join(f"nameserver {ns}\n" for ns in nameservers)
              + "options ndots:5\n")
    return {"/etc/hosts": hosts, "/etc/hostname": hostname + "\n", "/etc/resolv.conf": resolv}
