"""What a container sees under ``/dev`` and ``/proc``, as containerd's default OCI spec lays them out.

:class:`DevFS` is the ``/dev`` tmpfs: character devices (``null``, ``zero``, ``full``, ``random``,
``urandom``, ``tty``, ``ptmx``, ``stdin``/``stdout``/``stderr``), the ``fd``, ``pts``, ``shm`` and
``mqueue`` directories and the kubelet's ``termination-log`` file. Devices behave as the kernel's
do where a text file system can: writes to any device vanish (``/dev/full`` too: the shell's
writers have no way to report ENOSPC), ``/dev/zero`` and ``/dev/urandom`` read as a bounded chunk
(a real read never ends; tools here read whole files), the random bytes drawn from a seed so
runs repeat.

:func:`proc_files` is PID 1's corner of ``/proc`` (``cmdline``, ``comm``, ``status``, ``environ``)
for a container's main process.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence

from simk8s.node.vfs import MemFS, Stat, normalize

__all__ = ["DEV_CHUNK", "DevFS", "proc_files"]

#: How many characters one read of an endless device (``/dev/zero``, ``/dev/urandom``) returns.
DEV_CHUNK = 4096

_DEVICES = frozenset({"/null", "/zero", "/full", "/random", "/urandom", "/tty", "/ptmx", "/stdin", "/stdout",
                      "/stderr"})
_DIRS = ("/fd", "/pts", "/shm", "/mqueue")


class DevFS(MemFS):
    """A container's ``/dev``; ``seed`` makes ``/dev/random`` and ``/dev/urandom`` repeatable."""

    def __init__(self, seed: str = "", clock: Callable[[], float] | None = None) -> None:
        files = {p: "" for p in (*_DEVICES, "/termination-log")}
        if clock is None:
            super().__init__(files)
        else:
            super().__init__(files, clock)
        for d in _DIRS:
            self.mkdir(d)
        # /dev/fd/{0,1,2}: the process's standard streams (symlinks to /proc/self/fd on Linux).
        for fd in ("0", "1", "2"):
            MemFS.write(self, f"/fd/{fd}", "")
        self._rng = random.Random(f"simk8s:dev:{seed}")

    def _device(self, path: str) -> str | None:
        path = normalize(path)
        if path in ("/fd/0", "/fd/1", "/fd/2"):
            path = ("/stdin", "/stdout", "/stderr")[int(path[-1])]
        return path if path in _DEVICES and MemFS.exists(self, path) else None

    def read(self, path: str) -> str:
        dev = self._device(path)
        if dev is None:
            return super().read(path)
        if dev in ("/zero", "/full"):
            return "\0" * DEV_CHUNK
        if dev in ("/random", "/urandom"):
            return self._rng.randbytes(DEV_CHUNK).decode("latin-1")
        return ""

    def write(self, path: str, data: str, append: bool = False) -> None:
        dev = self._device(path)
        if dev is None:
            super().write(path, data, append)

    def stat(self, path: str) -> Stat:
        dev = self._device(path)
        if dev is None:
            return super().stat(path)
        return Stat(False, 0, super().stat(dev).mtime, 0o666)


def proc_files(argv: Sequence[str], env: Mapping[str, str], pid: int = 1) -> dict[str, str]:
    """``/proc/<pid>/{cmdline,comm,environ,status}`` of a process running ``argv`` with ``env``
    (paths relative to the ``/proc`` mount)."""
    comm = (argv[0].rsplit("/", 1)[-1] if argv else "sh")[:15]
    status = (f"Name:\t{comm}\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t{pid}\nNgid:\t0\nPid:\t{pid}\n"
              f"PPid:\t0\nTracerPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t64\n"
              "Groups:\t0 1 2 3 4 6 10 11 20 26 27 \nThreads:\t1\n"
              "CapEff:\t00000000a80425fb\nCapBnd:\t00000000a80425fb\nSeccomp:\t2\n")
    return {
        f"/{pid}/cmdline": "".join(a + "\0" for a in argv),
        f"/{pid}/comm": comm + "\n",
        f"/{pid}/environ": "".join(f"{k}={v}\0" for k, v in env.items()),
        f"/{pid}/status": status,
    }
