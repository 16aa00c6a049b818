"""What a container's main process does over time, read from its command (pure).

A real container runs its command; the simulation runs the part of it a lesson can observe.
:func:`main_timeline` turns a command into a :class:`Timeline`: shell steps at given seconds
after the start (``touch /tmp/healthy``), and when the process ends and with which code. A
``sh -c`` script of plain commands separated by ``;``, ``&&`` or newlines is split at its
``sleep``s (``touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600`` removes the file at
30 s and exits 0 at 630 s); ``sleep N``, ``true`` and ``false`` end on their own; an image
whose default process exits at once (busybox's ``sh`` without a terminal) ends at once. Anything
else (a server, a loop) runs until it is stopped and is not modelled step by step: None.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Timeline", "main_timeline"]

_SHELLS = ("sh", "bash", "ash", "dash", "zsh")
_OPAQUE = re.compile(r"^(while|for|until|if|case|do|done|then|else|elif|fi|esac|function|select)\b|[{}()`|]|&$"
                     r"|&[^&]")
_SLEEP = re.compile(r"sleep\s+(\S+)")
_EXIT = re.compile(r"exit(?:\s+(\d+))?")


@dataclass(frozen=True)
class Timeline:
    """``steps`` run in order at their offsets; the process ends at ``end`` seconds (None: it
    runs on) with ``exit_code`` (None: the status of the last step, 0 without steps)."""

    steps: tuple[tuple[float, str], ...] = ()
    end: float | None = None
    exit_code: int | None = None


def _seconds(text: str) -> float | None:
    """``sleep``'s operand in seconds (``30``, ``1.5``, ``2m``, ``1h``); None for ``infinity``."""
    if text in ("infinity", "inf"):
        return None
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([smhd]?)", text)
    if not m:
        raise ValueError(text)
    return float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]


def _script(script: str) -> Timeline | None:
    pieces = [p.strip() for p in re.split(r"\n|;|&&", script)]
    pieces = [p for p in pieces if p and not p.startswith("#")]
    if any(_OPAQUE.search(p) for p in pieces):
        return None
    t = 0.0
    steps: list[tuple[float, str]] = []
    for piece in pieces:
        sleep = _SLEEP.fullmatch(piece)
        if sleep:
            try:
                seconds = _seconds(sleep.group(1))
            except ValueError:
                return Timeline(tuple(steps), t, 1)
            if seconds is None:
                return Timeline(tuple(steps), None)
            t += seconds
            continue
        if piece.startswith("tail -f"):
            return Timeline(tuple(steps), None)
        done = _EXIT.fullmatch(piece)
        if done:
            return Timeline(tuple(steps), t, int(done.group(1) or 0))
        steps.append((t, piece))
    return Timeline(tuple(steps), t)


def main_timeline(command: Sequence[str], *, image_exits: bool = False, stdin: bool = False) -> Timeline | None:
    """The timeline of a container running ``command`` (its ``command`` + ``args``); an empty
    command is the image's own process, which ends at once when ``image_exits`` (and the
    container has no ``stdin`` to keep it open). None: the process runs until stopped."""
    argv = list(command)
    if not argv:
        return Timeline((), 0.0, 0) if image_exits and not stdin else None
    prog = argv[0].rsplit("/", 1)[-1]
    if prog == "sleep" and len(argv) > 1:
        try:
            seconds = _seconds(argv[1])
        except ValueError:
            return Timeline((), 0.0, 1)
        return None if seconds is None else Timeline((), seconds, 0)
    if prog in ("true", "false"):
        return Timeline((), 0.0, 0 if prog == "true" else 1)
    if prog in _SHELLS and len(argv) >= 3 and argv[1] == "-c":
        return _script(argv[2])
    return None
