"""Timestamps as the API writes and reads them (metav1.Time): RFC 3339, UTC, second precision.

One parser for the whole package: :func:`parse_time` reads what metav1.Time's JSON decoding
accepts (``Z`` or a numeric offset, an optional fraction); :func:`format_time` writes what it
serialises (``2024-06-01T09:00:18Z``).
"""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["format_time", "parse_time"]


def format_time(t: datetime) -> str:
    """RFC 3339 with second precision, as metav1.Time serialises (``2024-06-01T09:00:18Z``)."""
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: str) -> datetime:
    """An RFC 3339 timestamp (``Z`` or numeric offset, optional fraction) as an aware datetime."""
    s = value.strip()
    if s.endswith(("Z", "z")):
        s = s[:-1] + "+00:00"
    dt = datetime.fromisoformat(s)
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)
