"""``nc``: OpenBSD netcat (the one netshoot ships), for the connect checks people run in pods.

``nc -zv HOST PORT`` reports whether a TCP connect succeeds; ``-w SEC`` bounds the connect.
It reaches the network through ``services.tcp_connect(ip, port) -> True | None | DROPPED``
(open, refused, no answer) and names through ``services.resolve_host``.
"""

from __future__ import annotations

import ipaddress

import simk8s.node.shell.timeouts as timeouts
from simk8s.node.shell.context import CommandContext
from simk8s.node.shell.timeouts import Dropped

__all__ = ["nc"]

# /etc/services names netcat prints in "port [tcp/<name>]".
_SERVICES = {22: "ssh", 53: "domain", 80: "http", 443: "https", 3306: "mysql", 5432: "postgresql",
             6379: "redis", 8080: "http-alt", 9153: "*", 27017: "mongodb"}

_USAGE = ("usage: nc [-46CDdFhklNnrStUuvZz] [-I length] [-i interval] [-M ttl]\n"
          "\t  [-m minttl] [-O length] [-P proxy_username] [-p source_port]\n"
          "\t  [-q seconds] [-s sourceaddr] [-T keyword] [-V rtable] [-W recvlimit]\n"
          "\t  [-w timeout] [-X proxy_protocol] [-x proxy_address[:port]]\n"
          "\t  [destination] [port]\n")


def nc(ctx: CommandContext) -> int:
    verbose, timeout, operands = False, None, []
    args = ctx.argv[1:]
    i = 0
    while i < len(args):
        a = args[i]
        i += 1
        if a.startswith("-") and len(a) > 1:
            for j, f in enumerate(a[1:], 1):
                if f == "v":
                    verbose = True
                elif f == "w":
                    timeout = a[j + 1:] or (args[i] if i < len(args) else "")
                    i += 0 if a[j + 1:] else 1
                    break
        else:
            operands.append(a)
    if len(operands) != 2 or not operands[1].isdigit():
        ctx.err(_USAGE)
        return 1
    host, port = operands[0], int(operands[1])
    ip = _resolve(ctx, host)
    if isinstance(ip, Dropped):
        timeouts.wait(ctx, timeouts.RESOLVER_TIMEOUT)
        ctx.err(f"nc: getaddrinfo for host \"{host}\" port {port}: Try again\n")
        return 1
    if ip is None:
        ctx.err(f"nc: getaddrinfo for host \"{host}\" port {port}: Name does not resolve\n")
        return 1
    connect = ctx.service("tcp_connect")
    state = connect(ip, port) if callable(connect) else None
    where = f"connect to {host} port {port} (tcp)"
    if isinstance(state, Dropped):
        limit = float(timeout) if timeout and timeout.replace(".", "", 1).isdigit() and float(timeout) > 0 else 0.0
        if limit and limit < timeouts.KERNEL_CONNECT_TIMEOUT:
            timeouts.wait(ctx, limit)
            ctx.err(f"nc: {where} timed out: Operation now in progress\n")
        else:
            timeouts.wait(ctx, timeouts.KERNEL_CONNECT_TIMEOUT)
            ctx.err(f"nc: {where} failed: Connection timed out\n")
        return 1
    if not state:
        ctx.err(f"nc: {where} failed: Connection refused\n")
        return 1
    if verbose:
        ctx.err(f"Connection to {host} {port} port [tcp/{_SERVICES.get(port, '*')}] succeeded!\n")
    return 0


def _resolve(ctx: CommandContext, host: str) -> str | Dropped | None:
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if host == "localhost":
        return "127.0.0.1"
    resolver = ctx.service("resolve_host")
    answer = resolver(host) if callable(resolver) else None
    return answer if isinstance(answer, str | Dropped) else None
