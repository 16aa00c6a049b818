"""Network tools: ``curl`` (7.88 wording), busybox ``wget``, and thin DNS tool wrappers.

The tools reach the simulated network only through the shell's ``services`` object:

- ``services.resolve_host(name) -> ip | None`` (``localhost`` and IP literals are handled here;
  ``127.0.0.1`` means the container itself, which ``services.http`` must understand);
- ``services.http(ip, port, method, path) -> (status, headers, body) | None`` where ``None`` means
  the connection was refused and ``headers`` is a sequence of (name, value) pairs or a mapping;
- either may answer :data:`~simk8s.node.shell.timeouts.DROPPED`: nothing came back (a NetworkPolicy
  dropped the packets) and the tool waits for its timeout in virtual time (``services.sleep``);
- ``services.dns_tool(argv) -> (stdout, stderr, code)`` runs ``nslookup``/``dig``/``host``/``getent``.
"""

from __future__ import annotations

import hashlib
import ipaddress
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import simk8s.node.shell.timeouts as timeouts
from simk8s.node.shell.context import Command, CommandContext
from simk8s.node.shell.nc import nc
from simk8s.node.shell.timeouts import DROPPED, Dropped

__all__ = ["COMMANDS", "CURL_VERSION", "REASONS", "StaticWeb", "Url", "fetch", "make_curl", "parse_url"]

CURL_VERSION = "7.88.1"
REASONS = {
    200: "OK", 201: "Created", 204: "No Content", 301: "Moved Permanently", 302: "Found",
    304: "Not Modified", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
    404: "Not Found", 405: "Not Allowed", 500: "Internal Server Error", 502: "Bad Gateway",
    503: "Service Unavailable", 504: "Gateway Time-out",
}


@dataclass(frozen=True)
class Url:
    scheme: str
    host: str
    port: int
    path: str


def parse_url(text: str) -> Url | None:
    """``http://host[:port]/path`` (scheme optional, as curl allows); None when unusable."""
    scheme = "http"
    rest = text
    if "://" in text:
        scheme, rest = text.split("://", 1)
        scheme = scheme.lower()
        if scheme not in ("http", "https"):
            return None
    hostport, slash, path = rest.partition("/")
    path = "/" + path if slash else "/"
    hostport = hostport.rpartition("@")[2]
    host, colon, port = hostport.rpartition(":") if hostport.count(":") == 1 else (hostport, "", "")
    if not colon:
        host = hostport
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not host or (port and not port.isdigit()):
        return None
    return Url(scheme, host, int(port) if port else (443 if scheme == "https" else 80), path)


def resolve(ctx: CommandContext, host: str) -> str | Dropped | None:
    """The IP ``host`` names inside this container: IP literals as is, ``localhost`` loopback;
    DROPPED when the name server does not answer."""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if host == "localhost" or (host == ctx.shell.hostname and ctx.service("resolve_host") is None):
        return "127.0.0.1"
    resolver = ctx.service("resolve_host")
    return resolver(host) if callable(resolver) else None


def fetch(ctx: CommandContext, ip: str, port: int, method: str, path: str
          ) -> tuple[int, list[tuple[str, str]], str] | Dropped | None:
    http = ctx.service("http")
    if not callable(http):
        return None
    reply = http(ip, port, method, path)
    if reply is None or reply is DROPPED:
        return reply
    status, headers, body = reply
    pairs = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
    return int(status), pairs, body


_CURL_VALUE_OPTS = frozenset({"o", "X", "H", "m", "w", "d", "A", "u", "e", "x"})
_CURL_LONG = {"--silent": "s", "--output": "o", "--head": "I", "--verbose": "v", "--include": "i",
              "--fail": "f", "--request": "X", "--header": "H", "--max-time": "m", "--location": "L",
              "--show-error": "S", "--insecure": "k", "--write-out": "w", "--remote-name": "O",
              "--data": "d", "--user-agent": "A"}


def _curl_args(ctx: CommandContext) -> tuple[dict[str, str], list[str]] | None:
    opts: dict[str, str] = {}
    urls: list[str] = []
    args = ctx.argv[1:]
    i = 0
    while i < len(args):
        a = args[i]
        i += 1
        if a.startswith("--"):
            name, eq, value = a.partition("=")
            if name == "--connect-timeout":
                opts["connect-timeout"] = value if eq else (args[i] if i < len(args) else "")
                i += 0 if eq else 1
                continue
            flag = _CURL_LONG.get(name)
            if flag is None:
                ctx.err(f"curl: option {a}: is unknown\n"
                        "curl: try 'curl --help' or 'curl --manual' for more information\n")
                return None
            if flag in _CURL_VALUE_OPTS and not eq:
                value = args[i] if i < len(args) else ""
                i += 1
            opts[flag] = value
        elif a.startswith("-") and len(a) > 1:
            for j, f in enumerate(a[1:], 1):
                if f in _CURL_VALUE_OPTS:
                    opts[f] = a[j + 1:] or (args[i] if i < len(args) else "")
                    if not a[j + 1:]:
                        i += 1
                    break
                opts[f] = ""
        else:
            urls.append(a)
    return opts, urls


def _connect_failure(version: str, host: str, port: int) -> str:
    """curl's exit-7 text: the "after N ms" part came in 7.78, "Couldn't connect" in 7.86."""
    v = tuple(int(x) for x in version.split(".")[:3] if x.isdigit())
    if v < (7, 78):
        return f"Failed to connect to {host} port {port}: Connection refused"
    reason = "Connection refused" if v < (7, 86) else "Couldn't connect to server"
    return f"Failed to connect to {host} port {port} after 0 ms: {reason}"


def make_curl(version: str = CURL_VERSION) -> Command:
    """A ``curl`` command whose wording and User-Agent are those of ``version``."""

    def curl(ctx: CommandContext) -> int:
        return _curl(ctx, version)

    return curl


def _curl(ctx: CommandContext, version: str = CURL_VERSION) -> int:
    parsed = _curl_args(ctx)
    if parsed is None:
        return 2
    opts, urls = parsed
    quiet = "s" in opts and "S" not in opts

    def fail(code: int, msg: str) -> int:
        if not quiet:
            ctx.err(f"curl: ({code}) {msg}\n")
        return code

    if not urls:
        ctx.err("curl: no URL specified!\ncurl: try 'curl --help' or 'curl --manual' for more information\n")
        return 2
    status = 0
    for text in urls:
        url = parse_url(text)
        if url is None:
            scheme = text.split("://", 1)[0]
            status = fail(1, f'Protocol "{scheme}" not supported or disabled in libcurl') if "://" in text \
                else fail(3, "URL using bad/illegal format or missing URL")
            continue
        status = _curl_one(ctx, opts, url, fail, version)
    return status


_METER_HEADER = ("  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n"
                 "                                 Dload  Upload   Total   Spent    Left  Speed\n")


def _max5(n: int) -> str:
    """curl's five-column size: 14000, 597k, 12.3M."""
    if n < 100_000:
        return f"{n:5d}"
    if n < 10_000 * 1024:
        return f"{n // 1024:4d}k"
    mb = 1024 * 1024
    if n < 100 * mb:
        return f"{n // mb:2d}.{(n % mb) // (mb // 10)}M"
    return f"{n // mb:4d}M"


def _meter_line(total: int, received: int) -> str:
    """One progress-meter row; the simulated transfer takes 1 ms, so speed = bytes * 1000."""
    pct = f"{100 * received // total if total else 0:3d}"
    speed = _max5(received * 1000)
    return (f"{pct} {_max5(total)}  {pct} {_max5(received)}    0 {_max5(0)}  {speed}  {_max5(0)} "
            f"--:--:-- --:--:-- --:--:-- {speed}")


class _Meter:
    """curl's progress meter on stderr, shown when not silent and the body does not go to a TTY."""

    def __init__(self, ctx: CommandContext, shown: bool) -> None:
        self.ctx = ctx
        self.shown = shown
        if shown:
            ctx.err(_METER_HEADER + "\r" + _meter_line(0, 0))

    def end(self, total: int, received: int, newline: bool = True) -> None:
        if self.shown:
            self.ctx.err("\r" + _meter_line(total, received) + ("\n" if newline else ""))

    def gave_up(self, seconds: float) -> None:
        """The last row after waiting ``seconds`` for nothing: no bytes, the time spent shown."""
        if self.shown:
            spent = int(seconds)
            clock = f"{spent // 3600:2d}:{spent % 3600 // 60:02d}:{spent % 60:02d}"
            self.ctx.err("\r" + _meter_line(0, 0).replace("--:--:-- --:--:-- --:--:--",
                                                           f"--:--:-- {clock} --:--:--") + "\n")


def _curl_one(ctx: CommandContext, opts: dict[str, str], url: Url, fail: Any, version: str) -> int:
    verbose = "v" in opts
    method = opts.get("X") or ("HEAD" if "I" in opts else "POST" if "d" in opts else "GET")
    target = opts.get("o") or (posixpath.basename(url.path) if "O" in opts else None)
    to_file = target is not None and target != "-"
    meter = _Meter(ctx, "s" not in opts and (to_file or not ctx.isatty(ctx.stdout)))
    ip = resolve(ctx, url.host)
    if isinstance(ip, Dropped):
        waited, code, msg = timeouts.curl_resolve_timeout(version, url.host, opts.get("connect-timeout"),
                                                          opts.get("m"))
        timeouts.wait(ctx, waited)
        meter.gave_up(waited)
        return int(fail(code, msg))
    if ip is None:
        return int(fail(6, f"Could not resolve host: {url.host}"))
    if verbose:
        ctx.err(f"*   Trying {ip}:{url.port}...\n")
    reply = fetch(ctx, ip, url.port, method, url.path)
    if isinstance(reply, Dropped):
        waited, code, msg = timeouts.curl_connect_timeout(version, url.host, url.port,
                                                          opts.get("connect-timeout"), opts.get("m"))
        timeouts.wait(ctx, waited)
        meter.gave_up(waited)
        return int(fail(code, msg))
    if reply is None:
        meter.end(0, 0)
        return int(fail(7, _connect_failure(version, url.host, url.port)))
    code, headers, body = reply
    size = len(body.encode())
    length = next((int(v) for k, v in headers if k.lower() == "content-length" and v.isdigit()), size)
    head = f"HTTP/1.1 {code} {REASONS.get(code, '')}\r\n" + "".join(
        f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
    if verbose:
        ctx.err(f"* Connected to {url.host} ({ip}) port {url.port} (#0)\n"
                f"> {method} {url.path} HTTP/1.1\r\n> Host: {url.host}"
                f"{'' if url.port in (80, 443) else ':' + str(url.port)}\r\n"
                f"> User-Agent: curl/{version}\r\n> Accept: */*\r\n> \r\n"
                + "".join(f"< {line}\r\n" for line in head.rstrip("\r\n").split("\r\n")) + "< \r\n")
    if "f" in opts and code >= 400:
        meter.end(length, 0)
        return int(fail(22, f"The requested URL returned error: {code}"))
    shown = head if "I" in opts else (head if "i" in opts else "") + body
    if to_file:
        assert target is not None
        if not target:
            return int(fail(23, "Failure writing output to destination"))
        try:
            write_output(ctx, target, shown)
        except OSError as e:
            return int(fail(23, f"Failed to open the file {target}: {e.strerror}"))
    else:
        ctx.out(shown)
    if verbose and meter.shown and size and method != "HEAD":
        ctx.err(f"{{ [{size} bytes data]\n")  # -v notes the body it does not show
    meter.end(length, 0 if method == "HEAD" else size)
    if verbose:
        ctx.err(f"* Connection #0 to host {url.host} left intact\n")
    if "w" in opts:
        ctx.out(opts["w"].replace("%{http_code}", f"{code:03d}").replace("\\n", "\n"))
    return 0


def write_output(ctx: CommandContext, target: str, data: str) -> None:
    """Write a download to ``target``; ``/dev/stdout`` and ``/dev/stderr`` (or ``/dev/fd/1``, ``2``)
    are the process's own streams, as the kernel's links make them."""
    path = ctx.path(target)
    if path in ("/dev/stdout", "/dev/fd/1"):
        ctx.out(data)
    elif path in ("/dev/stderr", "/dev/fd/2"):
        ctx.err(data)
    else:
        ctx.fs.write(path, data)


def _wget(ctx: CommandContext) -> int:
    """busybox wget: ``wget [-q] [-O FILE|-] [-T SEC] [--spider] URL``."""
    args = ctx.argv[1:]
    quiet, output, urls = False, None, []
    timeout: str | None = None
    spider = False
    i = 0
    while i < len(args):
        a = args[i]
        i += 1
        if a in ("-q", "--quiet"):
            quiet = True
        elif a.startswith("-q") and a[2:].startswith("O"):
            quiet, output = True, a[3:] or (args[i] if i < len(args) else "-")
            i += 0 if a[3:] else 1
        elif a.startswith("-O"):
            output = a[2:] or (args[i] if i < len(args) else "-")
            i += 0 if a[2:] else 1
        elif a in ("-T", "--timeout"):
            timeout = args[i] if i < len(args) else ""
            i += 1
        elif a.startswith("--timeout=") or (a.startswith("-T") and a[2:].isdigit()):
            timeout = a.partition("=")[2] if a.startswith("--") else a[2:]
        elif a == "--spider":
            spider = True
        elif a.startswith("-"):
            continue
        else:
            urls.append(a)
    if not urls:
        ctx.err("BusyBox v1.36.1 (2023-07-27 17:12:24 UTC) multi-call binary.\n\n"
                "Usage: wget [-cqS] [--spider] [-O FILE] [-o LOGFILE] [--header STR]\n")
        return 1
    url = parse_url(urls[0])
    if url is None:
        ctx.err(f"wget: not an http or ftp url: {urls[0]}\n")
        return 1
    ip = resolve(ctx, url.host)
    if isinstance(ip, Dropped):
        timeouts.wait(ctx, timeouts.RESOLVER_TIMEOUT)  # the resolver gives up; -T bounds only the transfer
        ctx.err(f"wget: bad address '{url.host}'\n")
        return 1
    if ip is None:
        ctx.err(f"wget: bad address '{url.host}'\n")
        return 1
    if not quiet:
        ctx.err(f"Connecting to {url.host}{'' if url.port == 80 else f':{url.port}'} ({ip}:{url.port})\n")
    reply = fetch(ctx, ip, url.port, "HEAD" if spider else "GET", url.path)
    if isinstance(reply, Dropped):
        waited, message = timeouts.wget_timeout(timeout)
        timeouts.wait(ctx, waited)
        ctx.err(f"wget: {message}\n" if message else
                f"wget: can't connect to remote host ({ip}): Connection timed out\n")
        return 1
    if reply is None:
        ctx.err(f"wget: can't connect to remote host ({ip}): Connection refused\n")
        return 1
    code, _, body = reply
    if code >= 400:
        ctx.err(f"wget: server returned error: HTTP/1.1 {code} {REASONS.get(code, '')}\n")
        return 1
    if spider:
        if not quiet:
            ctx.err("remote file exists\n")
        return 0
    name = output or posixpath.basename(url.path) or "index.html"
    size = len(body.encode())
    shown = f"{size:6d}" if size < 100_000 else f"{size // 1024:5d}k"
    bar = f"{name:<20.20}{100:4d}% |{'*' * 32}|{shown}  0:00:00 ETA\n"
    if name == "-":
        if not quiet:
            ctx.err("writing to stdout\n" + bar + "written to stdout\n")
        ctx.out(body)
        return 0
    if not quiet:
        ctx.err(f"saving to '{name}'\n" + bar + f"'{name}' saved\n")
    try:
        write_output(ctx, name, body)
    except OSError as e:
        ctx.err(f"wget: can't open '{name}': {e.strerror}\n")
        return 1
    return 0


def _dns_tool(ctx: CommandContext) -> int:
    tool = ctx.service("dns_tool")
    if not callable(tool):
        # What the tools print when no name server answers.
        ctx.out(";; connection timed out; no servers could be reached\n\n")
        return 1
    out, err, code = tool(list(ctx.argv))
    ctx.out(out)
    ctx.err(err)
    return int(code)


COMMANDS: dict[str, Command] = {
    "curl": _curl, "wget": _wget, "nslookup": _dns_tool, "dig": _dns_tool, "host": _dns_tool,
    "getent": _dns_tool, "nc": nc,
}


class StaticWeb:
    """A small fixed internet for a host's ``curl``/``wget``: pages by URL.

    ``resolve_host`` and ``http`` have the shapes the network tools expect, so an instance can be
    (part of) a shell's ``services``. Hosts get the addresses in ``addresses`` or a stable one in
    the documentation range 203.0.113.0/24. A missing path answers as raw.githubusercontent.com
    does: ``404: Not Found``.
    """

    def __init__(self, pages: Mapping[str, str], addresses: Mapping[str, str] | None = None) -> None:
        self.pages: dict[tuple[str, int, str], str] = {}
        self.addresses = dict(addresses or {})
        for text, body in pages.items():
            url = parse_url(text)
            if url is None:
                raise ValueError(f"not an http(s) URL: {text}")
            self.pages[(url.host, url.port, url.path)] = body
            self.addresses.setdefault(url.host, self._address(url.host))
        self._hosts = {ip: host for host, ip in self.addresses.items()}

    @staticmethod
    def _address(host: str) -> str:
        return f"203.0.113.{hashlib.sha256(host.encode()).digest()[0] % 254 + 1}"

    def resolve_host(self, name: str) -> str | None:
        return self.addresses.get(name)

    def http(self, ip: str, port: int, method: str, path: str
             ) -> tuple[int, list[tuple[str, str]], str] | None:
        host = self._hosts.get(ip)
        if host is None or port not in (80, 443):
            return None
        body = self.pages.get((host, port, path.split("?", 1)[0]))
        if body is None:
            missing = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", "14")]
            return 404, missing, "404: Not Found"
        headers = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body.encode())))]
        return 200, headers, "" if method == "HEAD" else body
