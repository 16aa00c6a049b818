"""nginx as the simulation runs it: its stock pages and configuration, and the static ``server {}``
that answers HTTP requests over a container's file system, with its access and error logs."""

from __future__ import annotations

import posixpath
import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from simk8s.node.vfs import FileSystem

__all__ = ["NGINX_WELCOME", "NGINX_WELCOME_OLD", "HttpReply", "access_log_line", "error_log_line", "error_page",
           "nginx_files", "serve", "serve_http"]


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", text))


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


def nginx_files(version: tuple[int, ...]) -> dict[str, str]:
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
