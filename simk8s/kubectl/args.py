"""kubectl's command-line parsing (cobra/pflag rules): flags anywhere, ``--`` ends them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["Args", "UsageError", "parse_args", "parse_duration"]

# Flags taking a value, by long name; short aliases map to long names.
VALUE_FLAGS = {
    "namespace", "selector", "output", "filename", "container", "patch", "field-selector", "replicas",
    "grace-period", "image", "restart", "type", "for", "timeout", "to-revision", "env", "labels", "port",
    "revision", "sort-by", "tail", "since", "chunk-size", "kubeconfig", "context", "cluster", "user",
    "server", "request-timeout", "current-replicas", "resource-version", "template", "overrides",
    "pod-running-timeout", "dry-run", "field-manager", "validate", "label-columns", "cascade",
    "delete-emptydir-data", "show-kind", "raw", "subresource", "v", "watch-only", "as", "as-group", "as-uid",
}
BOOL_FLAGS = {
    "watch", "all-namespaces", "stdin", "tty", "all", "force", "rm", "show-labels", "overwrite",
    "recursive", "wait", "ignore-not-found", "no-headers", "quiet", "attach", "ignore-daemonsets",
    "local", "previous", "follow", "timestamps", "server-side", "prune", "record", "show-managed-fields",
    "now", "help", "client", "disable-eviction", "insecure-skip-tls-verify", "leave-stdin-open",
    "privileged", "keep-annotations", "list",
}
SHORT = {
    "n": "namespace", "l": "selector", "o": "output", "f": "filename", "c": "container", "p": "patch",
    "w": "watch", "A": "all-namespaces", "i": "stdin", "t": "tty", "R": "recursive", "q": "quiet",
    "h": "help", "L": "label-columns", "e": "env", "v": "v",
}
# Flags that may be given without a value even though they take one (``--cascade`` = background).
OPTIONAL_VALUE = {"cascade": "background", "dry-run": "client", "wait": "true", "validate": "strict"}
REPEATABLE = {"filename", "env", "label-columns", "as-group"}


class UsageError(Exception):
    """A command line kubectl refuses before talking to the server."""


@dataclass
class Args:
    positional: list[str] = field(default_factory=list)
    flags: dict[str, str] = field(default_factory=dict)
    multi: dict[str, list[str]] = field(default_factory=dict)
    command: list[str] = field(default_factory=list)
    dashdash: bool = False

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.flags.get(name, default)

    def bool(self, name: str, default: bool = False) -> bool:
        if name not in self.flags:
            return default
        return self.flags[name].lower() not in ("false", "0")

    def list(self, name: str) -> list[str]:
        return self.multi.get(name, [])


def parse_args(argv: list[str], verb: str = "") -> Args:
    out = Args()
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            out.command = argv[i + 1:]
            out.dashdash = True
            break
        if a.startswith("--") and len(a) > 2:
            name, eq, value = a[2:].partition("=")
            if name in BOOL_FLAGS and name not in OPTIONAL_VALUE:
                _set(out, name, value if eq else "true")
            elif name in VALUE_FLAGS or name in OPTIONAL_VALUE:
                if eq:
                    _set(out, name, value)
                elif name in OPTIONAL_VALUE:
                    _set(out, name, OPTIONAL_VALUE[name])
                else:
                    if i + 1 >= len(argv):
                        raise UsageError(f"flag needs an argument: --{name}")
                    i += 1
                    _set(out, name, argv[i])
            else:
                raise UsageError(f"unknown flag: --{name}")
        elif a.startswith("-") and len(a) > 1 and not _is_number(a):
            j = 1
            while j < len(a):
                ch = a[j]
                short = SHORT.get(ch)
                if short is None:
                    raise UsageError(f"unknown shorthand flag: '{ch}' in {a}")
                name = short
                if name in BOOL_FLAGS:
                    if j + 1 < len(a) and a[j + 1] == "=":
                        _set(out, name, a[j + 2:])
                        break
                    _set(out, name, "true")
                    j += 1
                    continue
                rest = a[j + 1:]
                if rest.startswith("="):
                    rest = rest[1:]
                if rest:
                    _set(out, name, rest)
                else:
                    if i + 1 >= len(argv):
                        raise UsageError(f"flag needs an argument: '{ch}' in -{ch}")
                    i += 1
                    _set(out, name, argv[i])
                break
        else:
            out.positional.append(a)
        i += 1
    return out


def _set(out: Args, name: str, value: str) -> None:
    out.flags[name] = value
    out.multi.setdefault(name, []).append(value)


def _is_number(a: str) -> bool:
    try:
        float(a)
    except ValueError:
        return False
    return True


def parse_duration(text: str) -> float:
    """A duration flag (``30s``, ``1m30s``, ``500ms``; a bare number is seconds) in seconds."""
    total = 0.0
    for value, unit in re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h)", text):
        total += float(value) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[unit]
    if not total and text.isdigit():
        total = float(text)
    return total
