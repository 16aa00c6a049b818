"""Files the CLI writes (event logs, transcripts, pictures), written atomically.

Each output goes to a temporary file in the target's directory, which then replaces the target in
one rename: a reader never sees half a file, and a run that dies while writing leaves the previous
file (or none) rather than a truncated one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

__all__ = ["MissingExtra", "require_plotting", "save_figure", "write_atomic"]


class MissingExtra(RuntimeError):
    """An optional dependency the requested output needs is not installed."""


@contextlib.contextmanager
def _replacing(path: str | Path, mode: str) -> Iterator[IO[Any]]:
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or ".")
    try:
        with os.fdopen(fd, mode) as f:
            yield f
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_atomic(path: str | Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    with _replacing(path, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)


def require_plotting(option: str) -> None:
    """Raise :class:`MissingExtra` unless matplotlib (the ``plot`` extra) can be imported."""
    try:
        import matplotlib  # noqa: F401  (optional dependency, imported only to check it is there)
    except ImportError:
        raise MissingExtra(f"{option} needs matplotlib, which is not installed: "
                           "pip install 'simk8s[plot]'") from None


def save_figure(draw: Callable[[], Any], path: str | Path) -> None:
    """Draw a matplotlib figure with ``draw()`` and save it atomically (format from the suffix)."""
    import matplotlib  # optional heavy dependency: the plot extra

    matplotlib.use("Agg")
    fig = draw()
    fmt = Path(path).suffix.lstrip(".").lower() or "png"
    with _replacing(path, "wb") as f:
        fig.savefig(f, format=fmt)
