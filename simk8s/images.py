"""Container images the simulation knows, and the nginx HTTP model behind ``curl``.

:func:`lookup_image` normalises a reference the way a container runtime does (``nginx`` means
``docker.io/library/nginx:latest``; ``k8s.gcr.io`` and ``registry.k8s.io`` are the same
registry) and returns an :class:`ImageSpec`, or None for an image that does not exist (the
kubelet then reports ``ErrImagePull``). A spec says which commands the image has, what ``sh``
is there, its initial files, whether it serves HTTP and how long a first pull takes.

Facts from upstream: ``k8s.gcr.io/nginx-slim:0.8`` was built in 2016 from
kubernetes/contrib ``images/nginx-slim`` (nginx 1.11.1 on ubuntu-slim, i.e. Ubuntu 16.04, with
bash and curl kept); netshoot's banner is its ``motd`` file of 2021–2023. Image sizes and pull
times are approximations calibrated to the seed lab, and digests are derived deterministically
from the name (they are not the registries' real digests).
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from simk8s.shell.context import Command
from simk8s.shell.interp import Shell
from simk8s.vfs import ContainerFS, FileSystem, MemFS

__all__ = [
    "HttpReply",
    "ImageSpec",
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

# nginx's stock html/index.html: the 1.11 text, and the one with color-scheme (1.21.6 on).
_WELCOME_BODY = """<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href="http://nginx.org/">nginx.org</a>.<br/>
Commercial support is available at
<a href="http://nginx.com/">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
"""
NGINX_WELCOME_OLD = """<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
    body {
        width: 35em;
        margin: 0 auto;
        font-family: Tahoma, Verdana, Arial, sans-serif;
    }
</style>
</head>
<body>
""" + _WELCOME_BODY
NGINX_WELCOME = """<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
""" + _WELCOME_BODY

_NGINX_CONF = """user  nginx;
worker_processes  auto;

error_log  /var/log/nginx/error.log notice;
pid        /var/run/nginx.pid;

events {
    worker_connections  1024;
}

http {
    include       /etc/nginx/mime.types;
    default_type  application/octet-stream;
    sendfile        on;
    keepalive_timeout  65;
    include /etc/nginx/conf.d/*.conf;
}
"""


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
        from simk8s.shell.coreutils import commands_for
        from simk8s.shell.net import make_curl

        table = commands_for(self.tools)
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


def _nginx_files(version: tuple[int, ...]) -> dict[str, str]:
    page = NGINX_WELCOME if version >= (1, 21, 6) else NGINX_WELCOME_OLD
    return {
        "/usr/share/nginx/html/index.html": page,
        "/usr/share/nginx/html/50x.html": "<!DOCTYPE html>\n<html>\n<head>\n<title>Error</title>\n"
                                          "</head>\n<body>\n<h1>An error occurred.</h1>\n</body>\n</html>\n",
        "/etc/nginx/nginx.conf": _NGINX_CONF,
        "/var/log/nginx/.keep": "",
        "/tmp/.keep": "",
        "/root/.keep": "",
    }


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
        files=_nginx_files((1, 11, 1)), ports=(80, 443), serves_http=True, http_server="nginx/1.11.1",
        pull_seconds=8.6, size=51_455_444, curl_version="7.47.0",
        command=("nginx", "-g", "daemon off;"), env={"PATH": _PATH},
    )


def _nginx(name: str, tag: str) -> ImageSpec | None:
    alpine = "alpine" in tag
    base = re.sub(r"-(alpine|bookworm|bullseye|perl|alpine-slim|alpine-perl)$", "", tag)
    version = _NGINX_ALIASES.get(tag) or _NGINX_ALIASES.get(base) or _NGINX_MINOR_TAGS.get(base) or base
    v = _version(version)
    if not re.fullmatch(r"1\.\d+(\.\d+)?", version) or not (1, 9) <= v[:2] <= (1, 27):
        return None
    if len(v) == 2:
        version += ".0"
    tools = (_BUSYBOX - {"nslookup"}) | {"curl"} if alpine else _DEBIAN | {"curl"}
    return ImageSpec(
        name=name, tools=frozenset(tools), default_shell="sh" if alpine else "bash",
        sh_dialect="ash" if alpine else "dash", files=_nginx_files(_version(version)), ports=(80,),
        serves_http=True, http_server=f"nginx/{version}", pull_seconds=3.0 if alpine else 6.5,
        size=20_000_000 if alpine else 72_000_000, curl_version="8.11.1" if alpine else "7.88.1",
        command=("nginx", "-g", "daemon off;"), env={"PATH": _PATH, "NGINX_VERSION": version},
    )


def _busybox(name: str, tag: str) -> ImageSpec | None:
    version = _BUSYBOX_ALIASES.get(tag, tag)
    v = _version(version)
    if not re.fullmatch(r"1\.\d+(\.\d+)?", version) or not (1, 24) <= v[:2] <= (1, 37):
        return None
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


def _distro(name: str, repo: str, tag: str) -> ImageSpec | None:
    if repo == "alpine":
        if tag != "latest" and not re.fullmatch(r"3\.\d+(\.\d+)?", tag):
            return None
        return ImageSpec(name=name, tools=_BUSYBOX, sh_dialect="ash", files={"/root/.keep": ""},
                         pull_seconds=1.5, size=3_600_000, command=("/bin/sh",), long_running=False,
                         env={"PATH": _PATH})
    known = {"ubuntu": {"latest", "24.04", "22.04", "20.04", "noble", "jammy", "focal"},
             "debian": {"latest", "12", "11", "bookworm", "bullseye", "stable-slim", "bookworm-slim"}}
    if tag not in known[repo]:
        return None
    return ImageSpec(name=name, tools=_DEBIAN, default_shell="bash", files={"/root/.keep": ""},
                     pull_seconds=4.0, size=29_000_000, command=("bash",), long_running=False,
                     env={"PATH": _PATH})


def _dnsutils(name: str) -> ImageSpec:
    return ImageSpec(name=name, tools=_DEBIAN | {"nslookup", "dig", "host"}, default_shell="sh",
                     files={"/root/.keep": ""}, pull_seconds=9.0, size=112_000_000,
                     command=("sleep", "infinity"), env={"PATH": _PATH})


def normalize_ref(ref: str) -> tuple[str, str, str]:
    """(registry, repository, tag) with Docker Hub's defaults filled in (``library/``, ``latest``)."""
    ref = ref.strip().split("@", 1)[0]
    first, _, rest = ref.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        registry, path = first, rest
    else:
        registry, path = "docker.io", ref
    if registry in ("index.docker.io", "registry-1.docker.io"):
        registry = "docker.io"
    if registry == "docker.io" and "/" not in path.split(":")[0]:
        path = "library/" + path
    repo, colon, tag = path.rpartition(":")
    if not colon or "/" in tag:
        repo, tag = path, "latest"
    return registry, repo, tag


def canonical_name(ref: str) -> str:
    """``ref`` fully qualified as containerd reports it (``docker.io/library/nginx:latest``)."""
    registry, repo, tag = normalize_ref(ref)
    return f"{registry}/{repo}:{tag}"


def lookup_image(ref: str) -> ImageSpec | None:
    """The image ``ref`` names, or None when no such image exists (ErrImagePull).

    The spec's ``name`` is the canonical reference; ``k8s.gcr.io`` and
    ``gcr.io/google_containers`` serve the same images as ``registry.k8s.io``.
    """
    registry, repo, tag = normalize_ref(ref)
    name = f"{registry}/{repo}:{tag}"
    if registry in ("k8s.gcr.io", "registry.k8s.io"):
        registry = "registry.k8s.io"
    elif registry == "gcr.io" and repo.startswith("google_containers/"):
        registry, repo = "registry.k8s.io", repo[len("google_containers/"):]
    if registry == "registry.k8s.io":
        if repo == "nginx-slim" and tag in ("0.8", "0.7", "0.9", "0.10", "0.11", "0.12", "0.13"):
            return _nginx_slim(name)
        if repo in ("e2e-test-images/jessie-dnsutils", "e2e-test-images/dnsutils"):
            return _dnsutils(name)
        return None
    if registry != "docker.io":
        return None
    if repo == "library/nginx":
        return _nginx(name, tag)
    if repo == "library/busybox":
        return _busybox(name, tag)
    if repo == "nicolaka/netshoot":
        return _netshoot(name) if tag == "latest" or re.fullmatch(r"v0\.\d+", tag) else None
    if repo in ("library/alpine", "library/ubuntu", "library/debian"):
        return _distro(name, repo.split("/")[1], tag)
    return None


# ---- nginx ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HttpReply:
    """One response; ``error`` is the text nginx writes to its error log for it, if any."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: str
    error: str = ""


_REASONS = {200: "OK", 301: "Moved Permanently", 400: "Bad Request", 403: "Forbidden",
            404: "Not Found", 405: "Not Allowed"}
_TYPES = {".html": "text/html", ".htm": "text/html", ".txt": "text/plain", ".css": "text/css",
          ".js": "application/javascript", ".json": "application/json", ".png": "image/png",
          ".jpg": "image/jpeg", ".svg": "image/svg+xml", ".ico": "image/x-icon"}


def _http_date(now: float) -> str:
    return time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(now))


def error_page(status: int, server: str) -> str:
    """nginx's built-in error page (``bgcolor`` was dropped from it in nginx 1.17)."""
    title = f"{status} {_REASONS.get(status, '')}"
    body = '<body bgcolor="white">' if _version(server)[:2] < (1, 17) else "<body>"
    return (f"<html>\r\n<head><title>{title}</title></head>\r\n{body}\r\n"
            f"<center><h1>{title}</h1></center>\r\n<hr><center>{server}</center>\r\n"
            "</body>\r\n</html>\r\n")


def serve(fs: FileSystem, method: str, path: str, *, server: str = "nginx/1.11.1",
          host: str = "localhost", now: float = 0.0, root: str = "/usr/share/nginx/html") -> HttpReply:
    """What nginx's default static ``server {}`` answers for ``method path`` over ``fs``."""
    def reply(status: int, body: str, ctype: str = "text/html", extra: tuple[tuple[str, str], ...] = (),
              error: str = "") -> HttpReply:
        headers = (("Server", server), ("Date", _http_date(now)), ("Content-Type", ctype),
                   ("Content-Length", str(len(body.encode()))), *extra, ("Connection", "keep-alive"))
        return HttpReply(status, headers, "" if method == "HEAD" else body, error)

    def fail(status: int, error: str = "", extra: tuple[tuple[str, str], ...] = ()) -> HttpReply:
        return reply(status, error_page(status, server), extra=extra, error=error)

    raw = unquote(path.split("?", 1)[0].split("#", 1)[0])
    if not raw.startswith("/"):
        return fail(400)
    clean = posixpath.normpath(raw) + ("/" if raw.endswith("/") and raw != "/" else "")
    if clean.startswith("//") or ".." in clean.split("/"):
        return fail(400)
    if method not in ("GET", "HEAD"):
        return fail(405)
    target = root.rstrip("/") + clean
    if clean.endswith("/"):
        index = target + "index.html"
        if fs.exists(index) and not fs.isdir(index):
            return _file(fs, index, reply)
        if fs.isdir(target):
            return fail(403, f'directory index of "{target}" is forbidden')
        return fail(404, f'"{index}" is not found (2: No such file or directory)')
    if fs.isdir(target):
        return fail(301, extra=(("Location", f"http://{host}{clean}/"),))
    if not fs.exists(target):
        return fail(404, f'open() "{target}" failed (2: No such file or directory)')
    return _file(fs, target, reply)


def _file(fs: FileSystem, path: str, reply: Any) -> HttpReply:
    st = fs.stat(path)
    body = fs.read(path)
    ctype = _TYPES.get(posixpath.splitext(path)[1].lower(), "application/octet-stream")
    etag = f'"{int(st.mtime):x}-{len(body.encode()):x}"'
    extra = (("Last-Modified", _http_date(st.mtime)), ("ETag", etag), ("Accept-Ranges", "bytes"))
    result: HttpReply = reply(200, body, ctype, extra)
    return result


def serve_http(fs: FileSystem, method: str, path: str, **kwargs: Any
               ) -> tuple[int, list[tuple[str, str]], str]:
    """:func:`serve` as the ``(status, headers, body)`` triple ``services.http`` returns."""
    r = serve(fs, method, path, **kwargs)
    return r.status, list(r.headers), r.body


def access_log_line(remote_addr: str, method: str, path: str, status: int, body_bytes: int,
                    user_agent: str = "curl/7.47.0", now: float = 0.0, referer: str = "-") -> str:
    """One line of nginx's ``combined`` access log (what ``kubectl logs`` shows per request)."""
    stamp = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now))
    return (f'{remote_addr} - - [{stamp}] "{method} {path} HTTP/1.1" {status} {body_bytes} '
            f'"{referer}" "{user_agent}"')


def error_log_line(message: str, remote_addr: str, method: str, path: str, host: str = "localhost",
                   now: float = 0.0, pid: int = 7, conn: int = 1) -> str:
    """nginx's error-log line for a failed request (``[error] 7#7: *1 open() ... failed``)."""
    stamp = time.strftime("%Y/%m/%d %H:%M:%S", time.gmtime(now))
    return (f"{stamp} [error] {pid}#{pid}: *{conn} {message}, client: {remote_addr}, "
            f'server: localhost, request: "{method} {path} HTTP/1.1", host: "{host}"')


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
