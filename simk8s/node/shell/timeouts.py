"""What client tools do when their packets are silently dropped (a NetworkPolicy, a dead route).

A dropped TCP SYN gets no answer: the client waits for whichever comes first of its own timeout
and the kernel giving up on SYN retransmissions, then prints its timeout message. The wait is
virtual time (the shell's ``sleep`` service). The figures:

- Linux gives up on a connect after ``net.ipv4.tcp_syn_retries`` = 6 retransmissions with a
  doubling RTO from 1 s; the error (ETIMEDOUT) arrives about 130 s after the first SYN
  (:data:`KERNEL_CONNECT_TIMEOUT`).
- A stub resolver whose name server does not answer gives up after ``timeout:5`` x
  ``attempts:2`` = 10 s (glibc's defaults; :data:`RESOLVER_TIMEOUT`).
- curl's own connect timeout defaults to 300 s (so the kernel's comes first); ``-m`` bounds the
  whole transfer.

The wording is per tool and version, from the tools' sources: curl's ``lib/connect.c`` and
``lib/multi.c`` (7.87 rewrote connection setup), busybox wget's alarm handler, OpenBSD netcat.
"""

from __future__ import annotations

from simk8s.node.shell.context import CommandContext

__all__ = [
    "DROPPED",
    "KERNEL_CONNECT_TIMEOUT",
    "RESOLVER_TIMEOUT",
    "Dropped",
    "curl_connect_timeout",
    "curl_resolve_timeout",
    "millis",
    "wait",
]

KERNEL_CONNECT_TIMEOUT = 130.0
RESOLVER_TIMEOUT = 10.0
CURL_DEFAULT_CONNECT_TIMEOUT = 300.0


class Dropped:
    """The answer of a network service whose packets went nowhere: the client must time out."""

    _instance: Dropped | None = None

    def __new__(cls) -> Dropped:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "DROPPED"

    def __bool__(self) -> bool:
        return False


DROPPED = Dropped()


def wait(ctx: CommandContext, seconds: float) -> None:
    """Let ``seconds`` of virtual time pass while the tool waits (nothing, without a clock)."""
    sleeper = ctx.service("sleep")
    if callable(sleeper) and seconds > 0:
        sleeper(seconds)


def millis(seconds: float) -> int:
    """The elapsed milliseconds a client reports for a wait: timers fire a millisecond late."""
    return round(seconds * 1000) + 1


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in text.split(".")[:3] if x.isdigit())


def _seconds(text: str | None) -> float:
    try:
        value = float(text) if text else 0.0
    except ValueError:
        return 0.0
    return value if value > 0 else 0.0


def curl_limits(connect_timeout: str | None, max_time: str | None) -> tuple[float, float]:
    """(connect timeout, max time) in seconds; 0 or absent means curl's defaults (300 s, none)."""
    return (_seconds(connect_timeout) or CURL_DEFAULT_CONNECT_TIMEOUT,
            _seconds(max_time) or float("inf"))


def curl_resolve_timeout(version: str, host: str, connect_timeout: str | None,
                         max_time: str | None) -> tuple[float, int, str]:
    """(seconds waited, exit code, message) when the name server does not answer."""
    connect, max_t = curl_limits(connect_timeout, max_time)
    limit = min(connect, max_t)
    if limit < RESOLVER_TIMEOUT:
        return limit, 28, f"Resolving timed out after {millis(limit)} milliseconds"
    return RESOLVER_TIMEOUT, 6, f"Could not resolve host: {host}"


def curl_connect_timeout(version: str, host: str, port: int, connect_timeout: str | None,
                         max_time: str | None) -> tuple[float, int, str]:
    """(seconds waited, exit code, message) when a connect's SYNs are dropped."""
    connect, max_t = curl_limits(connect_timeout, max_time)
    v = _version(version)
    if max_t < connect and max_t < KERNEL_CONNECT_TIMEOUT:
        # multi.c's overall timeout check runs before the connect filters see theirs.
        return max_t, 28, f"Connection timed out after {millis(max_t)} milliseconds"
    if connect <= KERNEL_CONNECT_TIMEOUT:
        if v < (7, 87):
            return connect, 28, f"Connection timed out after {millis(connect)} milliseconds"
        return connect, 28, f"Failed to connect to {host} port {port} after {millis(connect)} ms: Timeout was reached"
    waited = KERNEL_CONNECT_TIMEOUT
    if v < (7, 78):
        return waited, 7, f"Failed to connect to {host} port {port}: Connection timed out"
    reason = "Connection timed out" if v < (7, 86) else "Couldn't connect to server"
    return waited, 28, f"Failed to connect to {host} port {port} after {millis(waited)} ms: {reason}"


def wget_timeout(timeout: str | None) -> tuple[float, str]:
    """busybox wget: (seconds waited, message) for a dropped connect; ``-T`` defaults to 900 s."""
    limit = _seconds(timeout) or 900.0
    if limit < KERNEL_CONNECT_TIMEOUT:
        return limit, "download timed out"
    return KERNEL_CONNECT_TIMEOUT, ""
