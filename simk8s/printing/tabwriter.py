"""Go's text/tabwriter as kubectl configures it (minwidth 6, tabwidth 4, padding 3, padchar ' ').

Every column but the last is padded to ``max(6, widest cell + 3)``; the last cell of a row is
written as is. With ``remember_widths`` (kubectl's watch mode) column widths never shrink from one
call to the next, so later watch rows line up with the header printed first.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["TabWriter"]

MIN_WIDTH = 6
PADDING = 3


class TabWriter:
    def __init__(self, remember_widths: bool = False) -> None:
        self.remember_widths = remember_widths
        self.widths: list[int] = []

    def format(self, rows: Sequence[Sequence[str]]) -> str:
        """The rows as aligned lines, each ending in a newline."""
        if not rows:
            return ""
        ncols = max(len(r) for r in rows)
        widths = [0] * max(ncols - 1, 0)
        for r in rows:
            for j, cell in enumerate(r[:-1]):
                widths[j] = max(widths[j], len(cell) + PADDING, MIN_WIDTH)
        if self.remember_widths:
            for j, w in enumerate(self.widths[:len(widths)]):
                widths[j] = max(widths[j], w)
            self.widths = widths + self.widths[len(widths):]
        out = []
        for r in rows:
            cells = [cell.ljust(widths[j]) for j, cell in enumerate(r[:-1])]
            out.append("".join(cells) + (r[-1] if r else "") + "\n")
        return "".join(out)


def go_tabwrite(text: str, minwidth: int = 0, padding: int = 2) -> str:
    """Go's text/tabwriter over ``text`` (tab-terminated cells, column blocks, pad char ' ').

    This is the general algorithm (columns are aligned per block of consecutive lines that
    have that column), used by ``kubectl describe`` (minwidth 0, padding 2).
    """
    lines = [line.split("\t") for line in text.split("\n")]
    out: list[str] = []
    widths: list[int] = []

    def write(lo: int, hi: int) -> None:
        for line in lines[lo:hi]:
            parts = []
            for j, cell in enumerate(line):
                if j < len(line) - 1 and j < len(widths):
                    parts.append(cell.ljust(widths[j]))
                else:
                    parts.append(cell)
            out.append("".join(parts))

    def fmt(line0: int, line1: int) -> None:
        column = len(widths)
        this = line0
        while this < line1:
            if column >= len(lines[this]) - 1:
                this += 1
                continue
            write(line0, this)
            line0 = this
            width = minwidth
            while this < line1 and column < len(lines[this]) - 1:
                width = max(width, len(lines[this][column]) + padding)
                this += 1
            widths.append(width)
            fmt(line0, this)
            widths.pop()
            line0 = this
        write(line0, line1)

    fmt(0, len(lines))
    return "\n".join(out)
