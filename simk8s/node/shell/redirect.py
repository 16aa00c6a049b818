"""Redirections for the interpreter: ``<``, ``>``, ``>>``, ``>&``, ``<&`` and here-documents.

A mixin for :class:`~simk8s.node.shell.interp.Shell`: it opens what a command's redirections name
(files are written through a buffered :class:`~simk8s.node.shell.streams.FileSink` bounded by the
disk budget) and words a failure to open as the dialect does.
"""

from __future__ import annotations

from typing import Any

import simk8s.node.shell.syntax as sx
from simk8s.node.shell.context import Input
from simk8s.node.shell.expansion import Expansion
from simk8s.node.shell.streams import IO, FileSink, Null
from simk8s.node.vfs import normalize

__all__ = ["Redirections"]


class Redirections(Expansion):
    """Applying a command's redirections to its streams."""

    def _redirect(self, redirs: tuple[sx.Redir, ...], io: IO) -> IO | None:
        """``io`` with ``redirs`` applied, or None after printing why a file could not open."""
        fds: dict[int, Any] = {0: io.input, 1: io.out, 2: io.err}
        for r in redirs:
            if r.heredoc is not None:
                fds[r.fd] = Input(self.expand_str(r.heredoc.body), budget=self.budget)
                continue
            target = self.expand_str(r.target)
            if r.op in (">&", "<&"):
                if target == "-":
                    fds[r.fd] = Null() if r.fd else Input("")
                elif target.isdigit() and int(target) in fds:
                    fds[r.fd] = fds[int(target)]
                elif r.op == ">&" and r.fd == 1 and self.dialect != "dash":
                    fds[1] = fds[2] = self._open_out(target, False, io)  # bash/zsh `>&file`
                else:
                    io.err.write(self.diag(f"{target}: Bad file descriptor") + "\n")
                    return None
                continue
            if target == "/dev/null":
                fds[r.fd] = Input("") if r.op == "<" else Null()
                continue
            if target in ("/dev/stdout", "/dev/stderr") and r.op != "<":
                fds[r.fd] = fds[1 if target == "/dev/stdout" else 2]
                continue
            path = normalize(target, self.st.cwd)
            if r.op == "<":
                try:
                    fds[r.fd] = Input(self.fs.read(path), budget=self.budget)
                except OSError as e:
                    io.err.write(self.open_error(target, e, create=False) + "\n")
                    return None
            else:
                sink = self._open_out(target, r.op == ">>", io)
                if sink is None:
                    return None
                fds[r.fd] = sink
        # A descriptor opened the wrong way round (``2<file``, ``1<&0``, ``0>&1``) reads or writes
        # nothing, as writing to a read-only descriptor fails with EBADF in a real shell.
        stdin = fds[0] if isinstance(fds[0], Input) else Input("")
        out = Null() if isinstance(fds[1], Input) else fds[1]
        err = Null() if isinstance(fds[2], Input) else fds[2]
        return IO(stdin, out, err, tuple(f for f in (out, err) if isinstance(f, FileSink)))

    def _open_out(self, target: str, append: bool, io: IO) -> FileSink | None:
        path = normalize(target, self.st.cwd)
        try:
            if self.fs.isdir(path):
                raise IsADirectoryError(21, "Is a directory", path)
            self.fs.write(path, "", append=append or False)
        except OSError as e:
            io.err.write(self.open_error(target, e, create=True) + "\n")
            return None
        return FileSink(self.fs, path, self.budget)
