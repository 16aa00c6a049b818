"""The official database images lessons run on StatefulSets: postgres, mysql, mariadb, redis, mongo.

Each image's entrypoint is modelled where a learner sees it: the official postgres and
mysql/mariadb images refuse to initialise an empty data directory without their password
variables (exit 1, with the entrypoint's own message in ``kubectl logs``); otherwise the first
start initialises the data directory (which belongs on the PersistentVolume) and a later start
over the same volume skips initialisation, as ``kubectl logs`` shows. The server accepts
connections a moment after it starts, and the images' client health commands (``pg_isready``,
``mysqladmin ping``, ``redis-cli ping``, ``mongosh --eval``) answer accordingly, from the pod
itself or from another pod through a pod's IP or DNS name.

Versions are the tags' targets when Kubernetes 1.32 was current (December 2024); the log lines
follow the images' real output, shortened where a lesson would not look.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from simk8s.node.shell.context import Command, CommandContext
from simk8s.node.vfs import FileSystem

__all__ = ["DATABASES", "Startup", "db_commands"]


@dataclass(frozen=True)
class Startup:
    """What a container's entrypoint does when it starts: log lines (seconds after the start,
    text), whether it exits (and with which code, after how long) or serves from ``ready_after``."""

    logs: tuple[tuple[float, str], ...]
    exit_code: int | None = None
    exit_after: float = 0.0
    ready_after: float = 0.0


Start = Callable[[Mapping[str, str], FileSystem, float], Startup]


def _stamp(now: float, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    return time.strftime(fmt, time.gmtime(now))


def _pg_ts(now: float) -> str:
    return f"{_stamp(now)}.{int(now * 1000) % 1000:03d} UTC"


def _has(fs: FileSystem, path: str) -> bool:
    try:
        return fs.exists(path)
    except OSError:
        return False


def _write(fs: FileSystem, files: Mapping[str, str]) -> None:
    for path, data in files.items():
        parent = path.rsplit("/", 1)[0] or "/"
        try:
            fs.mkdir(parent, parents=True)
            fs.write(path, data)
        except OSError:
            return


# ---- postgres -------------------------------------------------------------------------------

_PG_REFUSAL = """Error: Database is uninitialized and superuser password is not specified.
       You must specify POSTGRES_PASSWORD to a non-empty value for the
       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".

       You may also use "POSTGRES_HOST_AUTH_METHOD=trust" to allow all
       connections without a password. This is *not* recommended.

       See PostgreSQL documentation about "trust":
       https://www.postgresql.org/docs/current/auth-trust.html
"""


def postgres_start(version: str) -> Start:
    major = version.split(".")[0]

    def start(env: Mapping[str, str], fs: FileSystem, now: float) -> Startup:
        data = env.get("PGDATA", "/var/lib/postgresql/data")
        logs: list[tuple[float, str]] = []
        if not _has(fs, f"{data}/PG_VERSION"):
            if not env.get("POSTGRES_PASSWORD") and env.get("POSTGRES_HOST_AUTH_METHOD") != "trust":
                return Startup(tuple((0.0, line) for line in _PG_REFUSAL.splitlines()), exit_code=1,
                               exit_after=0.1)
            _write(fs, {f"{data}/PG_VERSION": f"{major}\n", f"{data}/postgresql.conf": "listen_addresses = '*'\n",
                        f"{data}/pg_hba.conf": "host all all all scram-sha-256\n", f"{data}/base/1/.keep": ""})
            user = env.get("POSTGRES_USER", "postgres")
            logs += [(0.1, line) for line in (
                'The files belonging to this database system will be owned by user "postgres".',
                "This user must also own the server process.", "",
                'The database cluster will be initialized with locale "en_US.utf8".',
                'The default database encoding has accordingly been set to "UTF8".',
                'The default text search configuration will be set to "english".', "",
                "Data page checksums are disabled.", "",
                f"fixing permissions on existing directory {data} ... ok", "creating subdirectories ... ok",
                "selecting dynamic shared memory implementation ... posix",
                'selecting default "max_connections" ... 100', 'selecting default "shared_buffers" ... 128MB',
                "selecting default time zone ... Etc/UTC", "creating configuration files ... ok",
                "running bootstrap script ... ok", "performing post-bootstrap initialization ... ok",
                "syncing data to disk ... ok", "", "",
                "Success. You can now start the database server using:", "",
                f"    pg_ctl -D {data} -l logfile start", "")]
            if env.get("POSTGRES_DB", user) != "postgres" or user != "postgres":
                logs.append((1.4, "CREATE DATABASE"))
            logs += [(1.6, ""), (1.6, "PostgreSQL init process complete; ready for start up."), (1.6, "")]
            base = 1.7
        else:
            logs += [(0.0, ""), (0.0, "PostgreSQL Database directory appears to contain a database; Skipping "
                                      "initialization"), (0.0, "")]
            base = 0.1
        build = f"PostgreSQL {version} (Debian {version}-1.pgdg120+1) on x86_64-pc-linux-gnu, compiled by gcc " \
                "(Debian 12.2.0-14) 12.2.0, 64-bit"
        for offset, text in ((0.0, f"[1] LOG:  starting {build}"),
                             (0.0, '[1] LOG:  listening on IPv4 address "0.0.0.0", port 5432'),
                             (0.0, '[1] LOG:  listening on IPv6 address "::", port 5432'),
                             (0.01, '[1] LOG:  listening on Unix socket "/var/run/postgresql/.s.PGSQL.5432"'),
                             (0.05, "[1] LOG:  database system is ready to accept connections")):
            logs.append((base + offset, f"{_pg_ts(now + base + offset)} {text}"))
        return Startup(tuple(logs), ready_after=base + 0.05)

    return start


def _pg_isready(ctx: CommandContext) -> int:
    host, port, quiet = "", "5432", False
    args = ctx.argv[1:]
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("-h", "--host", "-p", "--port", "-U", "--username", "-d", "--dbname", "-t", "--timeout") \
                and i + 1 < len(args):
            if a in ("-h", "--host"):
                host = args[i + 1]
            elif a in ("-p", "--port"):
                port = args[i + 1]
            i += 2
            continue
        if a.startswith("--host="):
            host = a.split("=", 1)[1]
        elif a in ("-q", "--quiet"):
            quiet = True
        i += 1
    shown = f"{host or '/var/run/postgresql'}:{port}"
    state = _state(ctx, host, int(port) if port.isdigit() else 5432)
    text, code = {"up": ("accepting connections", 0), "starting": ("rejecting connections", 1)}.get(
        state, ("no response", 2))
    if not quiet:
        ctx.out(f"{shown} - {text}\n")
    return code


# ---- mysql and mariadb ----------------------------------------------------------------------


def mysql_start(version: str, mariadb: bool) -> Start:
    def start(env: Mapping[str, str], fs: FileSystem, now: float) -> Startup:
        def note(offset: float, level: str, text: str) -> tuple[float, str]:
            return offset, f"{_stamp(now + offset)}+00:00 [{level}] [Entrypoint]: {text}"

        server = f"MariaDB Server 1:{version}+maria~ubu2404" if mariadb else f"MySQL Server {version}-1.el9"
        logs = [note(0.0, "Note", f"Entrypoint script for {server} started."),
                note(0.1, "Note", "Switching to dedicated user 'mysql'"),
                note(0.1, "Note", f"Entrypoint script for {server} started.")]
        prefix = "MARIADB" if mariadb else "MYSQL"
        initialized = _has(fs, "/var/lib/mysql/mysql") or _has(fs, "/var/lib/mysql/ibdata1")
        if not initialized:
            keys = (("MARIADB_ROOT_PASSWORD", "MARIADB_ROOT_PASSWORD_HASH", "MARIADB_ALLOW_EMPTY_ROOT_PASSWORD",
                     "MARIADB_RANDOM_ROOT_PASSWORD", "MYSQL_ROOT_PASSWORD", "MYSQL_ALLOW_EMPTY_PASSWORD",
                     "MYSQL_RANDOM_ROOT_PASSWORD") if mariadb else
                    ("MYSQL_ROOT_PASSWORD", "MYSQL_ALLOW_EMPTY_PASSWORD", "MYSQL_RANDOM_ROOT_PASSWORD"))
            if not any(env.get(k) for k in keys):
                logs.append(note(0.2, "ERROR", "Database is uninitialized and password option is not specified"))
                detail = ("\tYou need to specify one of MARIADB_ROOT_PASSWORD, MARIADB_ROOT_PASSWORD_HASH, "
                          "MARIADB_ALLOW_EMPTY_ROOT_PASSWORD and MARIADB_RANDOM_ROOT_PASSWORD",) if mariadb else (
                    "    You need to specify one of the following as an environment variable:",
                    "    - MYSQL_ROOT_PASSWORD", "    - MYSQL_ALLOW_EMPTY_PASSWORD", "    - MYSQL_RANDOM_ROOT_PASSWORD")
                logs += [(0.2, line) for line in detail]
                return Startup(tuple(logs), exit_code=1, exit_after=0.3)
            _write(fs, {"/var/lib/mysql/ibdata1": "", "/var/lib/mysql/mysql/.keep": "",
                        "/var/lib/mysql/auto.cnf": "[auto]\n"})
            logs += [note(0.3, "Note", "Initializing database files"),
                     note(4.0, "Note", "Database files initialized"),
                     note(4.1, "Note", "Starting temporary server"),
                     note(5.0, "Note", "Temporary server started.")]
            if env.get(f"{prefix}_DATABASE") or env.get("MYSQL_DATABASE"):
                name = env.get(f"{prefix}_DATABASE") or env.get("MYSQL_DATABASE")
                logs.append(note(5.2, "Note", f"Creating database {name}"))
            logs += [note(5.5, "Note", "Stopping temporary server"), note(6.5, "Note", "Temporary server stopped"),
                     (6.5, ""), note(6.5, "Note", f"{'MariaDB' if mariadb else 'MySQL'} init process done. Ready "
                                                 "for start up."), (6.5, "")]
            ready = 8.0
        else:
            ready = 2.0
        daemon = "mariadbd" if mariadb else "mysqld"
        logs.append((ready, f"{_stamp(now + ready, '%Y-%m-%dT%H:%M:%S')}.000000Z 0 [System] [MY-010931] [Server] "
                            f"/usr/sbin/{daemon}: ready for connections. Version: '{version}'  socket: "
                            "'/var/run/mysqld/mysqld.sock'  port: 3306  MySQL Community Server - GPL."))
        return Startup(tuple(logs), ready_after=ready)

    return start


def _mysqladmin(ctx: CommandContext) -> int:
    args = ctx.argv[1:]
    host = ""
    for i, a in enumerate(args):
        if a in ("-h", "--host") and i + 1 < len(args):
            host = args[i + 1]
        elif a.startswith("-h") and len(a) > 2:
            host = a[2:]
        elif a.startswith("--host="):
            host = a.split("=", 1)[1]
    commands = [a for i, a in enumerate(args) if not a.startswith("-") and not (i and args[i - 1] in ("-h", "--host",
                                                                                                      "-u", "-P"))]
    if "ping" not in commands:
        ctx.err("mysqladmin: only 'ping' is simulated\n")
        return 1
    if _state(ctx, host, 3306) == "up":
        ctx.out("mysqld is alive\n")
        return 0
    local = host in ("", "localhost")
    ctx.err(f"mysqladmin: connect to server at '{host or 'localhost'}' failed\n")
    if local:
        ctx.err("error: 'Can't connect to local MySQL server through socket '/var/run/mysqld/mysqld.sock' (2)'\n"
                "Check that mysqld is running and that the socket: '/var/run/mysqld/mysqld.sock' exists!\n")
    else:
        ctx.err(f"error: 'Can't connect to MySQL server on '{host}:3306' (111)'\n")
    return 1


# ---- redis and mongo ------------------------------------------------------------------------


def redis_start(version: str) -> Start:
    def start(env: Mapping[str, str], fs: FileSystem, now: float) -> Startup:
        def line(offset: float, mark: str, text: str) -> tuple[float, str]:
            at = now + offset
            return offset, f"1:{mark} {_stamp(at, '%d %b %Y %H:%M:%S')}.{int(at * 1000) % 1000:03d} * {text}"

        logs = [line(0.0, "C", "oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo"),
                line(0.0, "C", f"Redis version={version}, bits=64, commit=00000000, modified=0, pid=1, just "
                               "started"),
                line(0.0, "M", "monotonic clock: POSIX clock_gettime"),
                line(0.01, "M", "Running mode=standalone, port=6379."),
                line(0.01, "M", "Server initialized")]
        if _has(fs, "/data/dump.rdb"):
            logs.append(line(0.02, "M", "DB loaded from disk: 0.000 seconds"))
        logs.append(line(0.02, "M", "Ready to accept connections tcp"))
        return Startup(tuple(logs), ready_after=0.02)

    return start


def _redis_cli(ctx: CommandContext) -> int:
    args = ctx.argv[1:]
    host, port, rest = "", 6379, []
    i = 0
    while i < len(args):
        if args[i] == "-h" and i + 1 < len(args):
            host, i = args[i + 1], i + 2
        elif args[i] == "-p" and i + 1 < len(args):
            port, i = int(args[i + 1]) if args[i + 1].isdigit() else 6379, i + 2
        elif args[i] == "-a" and i + 1 < len(args):
            i += 2
        else:
            rest.append(args[i])
            i += 1
    if _state(ctx, host, port) != "up":
        ctx.out(f"Could not connect to Redis at {host or '127.0.0.1'}:{port}: Connection refused\n")
        return 1
    if [w.lower() for w in rest[:1]] == ["ping"]:
        ctx.out("PONG\n" if len(rest) == 1 else f'"{" ".join(rest[1:])}"\n')
        return 0
    ctx.out("(error) ERR only PING is simulated\n")
    return 0


def mongo_start(version: str) -> Start:
    def start(env: Mapping[str, str], fs: FileSystem, now: float) -> Startup:
        def entry(offset: float, msg: str) -> tuple[float, str]:
            ts = _stamp(now + offset, "%Y-%m-%dT%H:%M:%S") + f".{int((now + offset) * 1000) % 1000:03d}+00:00"
            return offset, f'{{"t":{{"$date":"{ts}"}},"s":"I",  "c":"NETWORK",  "id":23016,   "ctx":"listener",' \
                           f'"msg":"{msg}","attr":{{"port":27017}}}}'

        _write(fs, {"/data/db/WiredTiger": "WiredTiger\n"})
        return Startup((entry(1.5, "Waiting for connections"),), ready_after=1.5)

    return start


def _mongosh(ctx: CommandContext) -> int:
    args = ctx.argv[1:]
    host = ""
    script = ""
    quiet = "--quiet" in args
    for i, a in enumerate(args):
        if a == "--eval" and i + 1 < len(args):
            script = args[i + 1]
        elif a == "--host" and i + 1 < len(args):
            host = args[i + 1]
        elif a.startswith("mongodb://"):
            host = a[len("mongodb://"):].split("/", 1)[0].split(":", 1)[0]
    target = host or "127.0.0.1"
    if _state(ctx, host, 27017) != "up":
        ctx.err(f"MongoNetworkError: connect ECONNREFUSED {target}:27017\n")
        return 1
    if not quiet:
        ctx.out(f"Current Mongosh Log ID:\t000000000000000000000000\nConnecting to:\t\tmongodb://{target}:27017/"
                "?directConnection=true&serverSelectionTimeoutMS=2000&appName=mongosh+2.3.4\n"
                "Using MongoDB:\t\t8.0.4\nUsing Mongosh:\t\t2.3.4\n\n")
    if re.search(r"ping", script):
        ctx.out("{ ok: 1 }\n")
    return 0


def _state(ctx: CommandContext, host: str, port: int) -> str:
    """``up``, ``starting`` or ``down``: the server behind ``host:port`` as a client sees it."""
    probe = ctx.service("server_state")
    return str(probe(host, port)) if callable(probe) else "down"


def db_commands(tools: frozenset[str]) -> dict[str, Command]:
    """The database client commands among ``tools``."""
    table: dict[str, Command] = {"pg_isready": _pg_isready, "mysqladmin": _mysqladmin,
                                 "mariadb-admin": _mysqladmin, "redis-cli": _redis_cli, "mongosh": _mongosh}
    return {name: cmd for name, cmd in table.items() if name in tools}


@dataclass(frozen=True)
class Database:
    """One database image family: its versions, ports, data directory and entrypoint."""

    repo: str
    latest: str
    majors: Mapping[str, str]
    ports: tuple[int, ...]
    data_dir: str
    tools: frozenset[str]
    start: Callable[[str], Start]
    env: Callable[[str], dict[str, str]]
    size: int

    def version(self, tag: str) -> str:
        base = re.sub(r"-(alpine|bookworm|bullseye|jammy|noble|oracle|oraclelinux9).*$", "", tag)
        if base in ("latest", "lts") or not base:
            return self.latest
        if base in self.majors:
            return self.majors[base]
        if re.fullmatch(r"\d+(\.\d+)+", base):
            return base
        return self.latest


DATABASES: dict[str, Database] = {
    "postgres": Database(
        "postgres", "17.2", {"17": "17.2", "16": "16.6", "15": "15.10", "14": "14.15", "13": "13.18", "12": "12.22"},
        (5432,), "/var/lib/postgresql/data", frozenset({"pg_isready", "bash"}), postgres_start,
        lambda v: {"PGDATA": "/var/lib/postgresql/data", "PG_MAJOR": v.split(".")[0], "PG_VERSION": v,
                   "LANG": "en_US.utf8"}, 150_000_000),
    "mysql": Database(
        "mysql", "9.1.0", {"9": "9.1.0", "9.1": "9.1.0", "8.4": "8.4.3", "8": "8.4.3", "lts": "8.4.3",
                           "8.0": "8.0.40"},
        (3306, 33060), "/var/lib/mysql", frozenset({"mysqladmin", "bash"}),
        lambda v: mysql_start(v, mariadb=False),
        lambda v: {"MYSQL_MAJOR": ".".join(v.split(".")[:2]), "MYSQL_VERSION": f"{v}-1.el9"}, 170_000_000),
    "mariadb": Database(
        "mariadb", "11.6.2", {"11": "11.6.2", "11.4": "11.4.4", "10.11": "10.11.10", "10.6": "10.6.20",
                              "10": "10.11.10"},
        (3306,), "/var/lib/mysql", frozenset({"mysqladmin", "mariadb-admin", "bash"}),
        lambda v: mysql_start(v, mariadb=True), lambda v: {"MARIADB_VERSION": f"1:{v}+maria~ubu2404"}, 120_000_000),
    "redis": Database(
        "redis", "7.4.1", {"7": "7.4.1", "7.4": "7.4.1", "7.2": "7.2.6", "6": "6.2.16", "6.2": "6.2.16"},
        (6379,), "/data", frozenset({"redis-cli", "bash"}), redis_start,
        lambda v: {"REDIS_VERSION": v}, 45_000_000),
    "mongo": Database(
        "mongo", "8.0.4", {"8": "8.0.4", "8.0": "8.0.4", "7": "7.0.16", "7.0": "7.0.16", "6": "6.0.19"},
        (27017,), "/data/db", frozenset({"mongosh", "bash"}), mongo_start,
        lambda v: {"MONGO_MAJOR": ".".join(v.split(".")[:2]), "MONGO_VERSION": v}, 290_000_000),
}
