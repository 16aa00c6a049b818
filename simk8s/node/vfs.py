"""In-memory file systems for simulated containers.

:class:`MemFS` is one tree of directories and text files (a volume, or a container's writable
layer). :class:`ContainerFS` is what a process inside a container sees: the image's files in a
private layer, with volumes (each a :class:`MemFS`) mounted over some directories. Writes under a
mount path land in that volume's MemFS, so they survive the container: a StatefulSet pod that is
recreated gets its PersistentVolume's MemFS mounted again and finds its files.

Paths are absolute POSIX paths; errors are the standard ``OSError`` subclasses carrying ``errno``
and the C library's ``strerror`` text (``FileNotFoundError(ENOENT, "No such file or directory")``)
so tools can print them exactly as coreutils do. Nothing here touches the real OS; modification
times come from an injected clock (seconds, e.g. the simulation's ``env.now``).
"""

from __future__ import annotations

import errno
import os
import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

__all__ = ["ContainerFS", "FileSystem", "MemFS", "Stat", "fs_error", "normalize"]

Clock = Callable[[], float]


def _zero() -> float:
    return 0.0


def fs_error(code: int, path: str) -> OSError:
    """The ``OSError`` subclass Python would raise for ``code``, with the C ``strerror`` text."""
    return OSError(code, os.strerror(code), path)


def normalize(path: str, cwd: str = "/") -> str:
    """``path`` made absolute against ``cwd`` with ``.``/``..``/duplicate slashes removed."""
    joined = posixpath.join(cwd, path) if not path.startswith("/") else path
    norm = posixpath.normpath(joined)
    # POSIX keeps a leading "//" distinct; no simulated tool cares, so fold it.
    return "/" + norm.lstrip("/")


@dataclass(frozen=True)
class Stat:
    """What ``stat`` reports about one entry."""

    is_dir: bool
    size: int
    mtime: float
    mode: int  # permission bits, e.g. 0o644

    @property
    def type_char(self) -> str:
        """The first column of ``ls -l``: ``d`` or ``-``."""
        return "d" if self.is_dir else "-"


class FileSystem(Protocol):
    """What the shell and its tools need from a file system. All paths are absolute."""

    def read(self, path: str) -> str: ...

    def write(self, path: str, data: str, append: bool = False) -> None: ...

    def listdir(self, path: str) -> list[str]: ...

    def mkdir(self, path: str, parents: bool = False) -> None: ...

    def remove(self, path: str, recursive: bool = False) -> None: ...

    def rename(self, src: str, dst: str) -> None: ...

    def exists(self, path: str) -> bool: ...

    def isdir(self, path: str) -> bool: ...

    def stat(self, path: str) -> Stat: ...


@dataclass
class _File:
    data: str
    mtime: float
    mode: int = 0o644


class MemFS:
    """One in-memory tree. ``files`` seeds it (parents are created); ``clock`` stamps mtimes."""

    def __init__(self, files: Mapping[str, str] | None = None, clock: Clock = _zero) -> None:
        self._clock = clock
        self._dirs: dict[str, float] = {"/": clock()}
        self._files: dict[str, _File] = {}
        for path, data in (files or {}).items():
            path = normalize(path)
            self.mkdir(posixpath.dirname(path), parents=True)
            self.write(path, data)

    # -- queries -----------------------------------------------------------------------------

    def exists(self, path: str) -> bool:
        path = normalize(path)
        return path in self._dirs or path in self._files

    def isdir(self, path: str) -> bool:
        return normalize(path) in self._dirs

    def stat(self, path: str) -> Stat:
        path = normalize(path)
        if path in self._dirs:
            return Stat(True, 4096, self._dirs[path], 0o755)
        f = self._files.get(path)
        if f is None:
            self._check_parent(path)
            raise fs_error(errno.ENOENT, path)
        return Stat(False, len(f.data.encode()), f.mtime, f.mode)

    def read(self, path: str) -> str:
        path = normalize(path)
        if path in self._dirs:
            raise fs_error(errno.EISDIR, path)
        f = self._files.get(path)
        if f is None:
            self._check_parent(path)
            raise fs_error(errno.ENOENT, path)
        return f.data

    def listdir(self, path: str) -> list[str]:
        """Sorted names directly inside directory ``path``."""
        path = normalize(path)
        if path not in self._dirs:
            if path in self._files:
                raise fs_error(errno.ENOTDIR, path)
            raise fs_error(errno.ENOENT, path)
        prefix = path.rstrip("/") + "/"
        names = {
            p[len(prefix):] for p in (*self._dirs, *self._files)
            if p.startswith(prefix) and p != path and "/" not in p[len(prefix):]
        }
        return sorted(names)

    # -- changes -----------------------------------------------------------------------------

    def write(self, path: str, data: str, append: bool = False) -> None:
        path = normalize(path)
        if path in self._dirs:
            raise fs_error(errno.EISDIR, path)
        self._check_parent(path)
        now = self._clock()
        old = self._files.get(path)
        if old is not None and append:
            old.data += data
            old.mtime = now
        else:
            self._files[path] = _File(data, now)
        self._dirs[posixpath.dirname(path)] = now

    def mkdir(self, path: str, parents: bool = False) -> None:
        path = normalize(path)
        if path in self._dirs:
            if parents:
                return
            raise fs_error(errno.EEXIST, path)
        if path in self._files:
            raise fs_error(errno.EEXIST if not parents else errno.ENOTDIR, path)
        parent = posixpath.dirname(path)
        if parents:
            self.mkdir(parent, parents=True)
        else:
            self._check_parent(path)
        self._dirs[path] = self._dirs[parent] = self._clock()

    def remove(self, path: str, recursive: bool = False) -> None:
        """Unlink a file; a directory only when ``recursive`` (``rm -r``), never ``/``."""
        path = normalize(path)
        if path in self._files:
            del self._files[path]
        elif path in self._dirs:
            if not recursive:
                raise fs_error(errno.EISDIR, path)
            if path == "/":
                raise fs_error(errno.EBUSY, path)
            prefix = path + "/"
            for table in (self._dirs, self._files):
                for p in [p for p in table if p == path or p.startswith(prefix)]:
                    del table[p]
        else:
            self._check_parent(path)
            raise fs_error(errno.ENOENT, path)
        self._dirs[posixpath.dirname(path)] = self._clock()

    def rename(self, src: str, dst: str) -> None:
        """Move ``src`` to ``dst`` (replacing a file there); ``dst``'s parent must exist."""
        src, dst = normalize(src), normalize(dst)
        if not self.exists(src):
            raise fs_error(errno.ENOENT, src)
        self._check_parent(dst)
        if src == dst:
            return
        if src in self._files:
            if dst in self._dirs:
                raise fs_error(errno.EISDIR, dst)
            self._files[dst] = self._files.pop(src)
        else:
            if dst.startswith(src + "/"):
                raise fs_error(errno.EINVAL, dst)
            if dst in self._files:
                raise fs_error(errno.ENOTDIR, dst)
            if dst in self._dirs and self.listdir(dst):
                raise fs_error(errno.ENOTEMPTY, dst)
            for table in (self._dirs, self._files):
                moved = [p for p in table if p == src or p.startswith(src + "/")]
                for p in moved:
                    table[dst + p[len(src):]] = table.pop(p)  # type: ignore[assignment]
        now = self._clock()
        self._dirs[posixpath.dirname(src)] = self._dirs[posixpath.dirname(dst)] = now

    def _check_parent(self, path: str) -> None:
        """Raise ENOENT/ENOTDIR as the kernel would when ``path``'s parent is unusable."""
        parent = posixpath.dirname(path)
        if parent in self._dirs:
            return
        # Walk down to find whether a file sits where a directory should be.
        cur = ""
        for part in parent.strip("/").split("/"):
            cur += "/" + part
            if cur in self._files:
                raise fs_error(errno.ENOTDIR, path)
            if cur not in self._dirs:
                raise fs_error(errno.ENOENT, path)


class ContainerFS:
    """A container's view: ``image_files`` in a private layer, volumes mounted over directories.

    ``mounts`` maps a mount path (``/usr/share/nginx/html``) to the volume's :class:`MemFS`; the
    volume's root is seen at the mount path and hides whatever the image had there (as a real
    bind mount does). The private layer lives and dies with this object.
    """

    def __init__(
        self,
        image_files: Mapping[str, str] | None = None,
        mounts: Mapping[str, MemFS] | None = None,
        clock: Clock = _zero,
    ) -> None:
        self.layer = MemFS(image_files, clock)
        self.mounts: dict[str, MemFS] = {normalize(m): fs for m, fs in (mounts or {}).items()}
        for m in self.mounts:
            if not self.layer.isdir(m):
                self.layer.mkdir(m, parents=True)
        # Longest mount first so nested mounts win.
        self._order = sorted(self.mounts, key=len, reverse=True)

    def _route(self, path: str) -> tuple[MemFS, str]:
        path = normalize(path)
        for m in self._order:
            if path == m or path.startswith(m.rstrip("/") + "/"):
                return self.mounts[m], normalize(path[len(m):] or "/")
        return self.layer, path

    def _fix(self, err: OSError, path: str) -> OSError:
        """Re-label an error raised by a volume with the container-side path."""
        return fs_error(err.errno or errno.EIO, normalize(path))

    def read(self, path: str) -> str:
        fs, sub = self._route(path)
        try:
            return fs.read(sub)
        except OSError as e:
            raise self._fix(e, path) from None

    def write(self, path: str, data: str, append: bool = False) -> None:
        fs, sub = self._route(path)
        try:
            fs.write(sub, data, append)
        except OSError as e:
            raise self._fix(e, path) from None

    def listdir(self, path: str) -> list[str]:
        fs, sub = self._route(path)
        try:
            return fs.listdir(sub)
        except OSError as e:
            raise self._fix(e, path) from None

    def mkdir(self, path: str, parents: bool = False) -> None:
        fs, sub = self._route(path)
        try:
            fs.mkdir(sub, parents)
        except OSError as e:
            raise self._fix(e, path) from None

    def remove(self, path: str, recursive: bool = False) -> None:
        if normalize(path) in self.mounts:
            raise fs_error(errno.EBUSY, normalize(path))
        fs, sub = self._route(path)
        try:
            fs.remove(sub, recursive)
        except OSError as e:
            raise self._fix(e, path) from None

    def rename(self, src: str, dst: str) -> None:
        """Rename within one file system; across a mount boundary it fails with EXDEV."""
        sfs, ssub = self._route(src)
        dfs, dsub = self._route(dst)
        if sfs is not dfs:
            raise fs_error(errno.EXDEV, normalize(dst))
        try:
            sfs.rename(ssub, dsub)
        except OSError as e:
            raise self._fix(e, src if e.filename == ssub else dst) from None

    def exists(self, path: str) -> bool:
        fs, sub = self._route(path)
        return fs.exists(sub)

    def isdir(self, path: str) -> bool:
        fs, sub = self._route(path)
        return fs.isdir(sub)

    def stat(self, path: str) -> Stat:
        fs, sub = self._route(path)
        try:
            return fs.stat(sub)
        except OSError as e:
            raise self._fix(e, path) from None
