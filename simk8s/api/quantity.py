"""Resource quantities (``500m``, ``1Gi``, ``1e3``) as apimachinery's ``resource.Quantity`` reads and
prints them.

:func:`parse_quantity` gives an exact :class:`fractions.Fraction`; :func:`format_quantity` prints a
value in canonical form (``1Gi``, ``500m``); :class:`Quantity` keeps the value with its format so
``canonical()`` gives what the API server would store and ``kubectl get -o yaml`` would show.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache, total_ordering

__all__ = ["FORMAT_ERROR", "Quantity", "canonical", "format_quantity", "parse_quantity"]

FORMAT_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
NUMERIC_ERROR = "unable to parse numeric part of quantity"
SUFFIX_ERROR = "unable to parse quantity's suffix"
# Exact fractions cannot hold 1e2000000000 the way upstream's scaled decimals do: a simulator limit.
MAX_EXPONENT = 1000
EXPONENT_ERROR = f"quantity exponent out of the simulator's range (at most {MAX_EXPONENT} either way)"

_RE = re.compile(r"^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$")

BINARY = "BinarySI"
DECIMAL = "DecimalSI"
EXPONENT = "DecimalExponent"

_BIN = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DEC = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_DEC_BY_EXP = {v: k for k, v in _DEC.items()}
_BIN_BY_EXP = {v: k for k, v in _BIN.items()}
_NANO = Fraction(1, 10**9)


@lru_cache(maxsize=4096)
def _split(s: str) -> tuple[Fraction, str]:
    """(value, format) of a quantity string; ValueError with apimachinery's texts (parsed once
    per distinct string: quantities repeat across objects)."""
    m = _RE.match(s.strip()) if s.strip() == s else None
    if not s or m is None:
        raise ValueError(FORMAT_ERROR)
    num, suffix = m.group(1), m.group(2)
    if num.count(".") > 1 or num.strip("+-") in (".", ""):
        raise ValueError(NUMERIC_ERROR)
    value = Fraction(num)
    if suffix in _BIN:
        return value * 2 ** _BIN[suffix], BINARY
    if suffix in _DEC:
        return value * Fraction(10) ** _DEC[suffix], DECIMAL
    if len(suffix) > 1 and suffix[0] in "eE":
        try:
            exp = int(suffix[1:], 10)
        except ValueError:
            raise ValueError(SUFFIX_ERROR) from None
        if not -(2**63) <= exp < 2**63:
            raise ValueError(SUFFIX_ERROR)        # strconv.ParseInt fails
        exp = (exp + 2**31) % 2**32 - 2**31       # then int32(parsed) wraps, as upstream's suffixer does
        if abs(exp) > MAX_EXPONENT:
            raise ValueError(EXPONENT_ERROR)
        return value * Fraction(10) ** exp, EXPONENT
    raise ValueError(SUFFIX_ERROR)


def _round_up_nano(value: Fraction) -> Fraction:
    # The API server keeps at most nano precision and rounds away from zero.
    scaled = value / _NANO
    if scaled.denominator == 1:
        return value
    n = -((-abs(scaled)) // 1)
    return Fraction(n if value > 0 else -n) * _NANO


def parse_quantity(s: str | int | float) -> Fraction:
    """The exact value of a quantity; numbers are taken as they are (``1.5`` → 3/2)."""
    if isinstance(s, bool) or not isinstance(s, str | int | float):
        raise ValueError(FORMAT_ERROR)
    if isinstance(s, int):
        return Fraction(s)
    if isinstance(s, float):
        return Fraction(str(s))
    return _round_up_nano(_split(s)[0])


def _format_decimal(value: Fraction, exponent_form: bool) -> str:
    sign = "-" if value < 0 else ""
    v = abs(_round_up_nano(value))
    if v == 0:
        return "0"
    # Rounded to nano, the value is a whole number of nanos; move whole thousands into the exponent.
    exp = -9
    mant = int(v / _NANO)
    while mant % 1000 == 0 and exp < 18:
        mant //= 1000
        exp += 3
    if exponent_form:
        return f"{sign}{mant}" + (f"e{exp}" if exp else "")
    return f"{sign}{mant}{_DEC_BY_EXP[exp]}"


def _format_binary(value: Fraction) -> str | None:
    if value.denominator != 1 or -1024 < value < 1024:
        return None
    sign = "-" if value < 0 else ""
    n, exp = abs(int(value)), 0
    while n % 1024 == 0 and exp < 60:
        n //= 1024
        exp += 10
    return f"{sign}{n}{_BIN_BY_EXP.get(exp, '')}"


def format_quantity(value: Fraction | int | float | str, like: str | None = None) -> str:
    """``value`` in canonical form.

    With ``like`` (a quantity string or a bare suffix), its format is used as the API server
    would: binary (``Ki``..``Ei``), decimal SI or decimal exponent. Without it, whole multiples of
    1024 print in binary (``1073741824`` → ``1Gi``) and everything else in decimal SI (``500m``).
    """
    v = parse_quantity(value) if isinstance(value, str) else Fraction(value)
    if like is None:
        fmt = BINARY if v.denominator == 1 and int(v) % 1024 == 0 and v != 0 else DECIMAL
    else:
        fmt = _format_of(like)
    if fmt == BINARY:
        out = _format_binary(v)
        if out is not None:
            return out
        fmt = DECIMAL
    return _format_decimal(v, fmt == EXPONENT)


def _format_of(like: str) -> str:
    if like in _BIN:
        return BINARY
    if like in _DEC:
        return DECIMAL
    return _split(like)[1]


def canonical(s: str) -> str:
    """What the API server stores for a quantity string (``1000m`` → ``1``, ``0.5Gi`` → ``512Mi``)."""
    value, fmt = _split(s)
    return format_quantity(value, {BINARY: "Ki", DECIMAL: "", EXPONENT: "1e3"}[fmt])


@total_ordering
@dataclass(frozen=True)
class Quantity:
    """A parsed quantity: comparable, addable, printed canonically."""

    value: Fraction
    format: str = DECIMAL

    @classmethod
    def parse(cls, s: str | int | float) -> Quantity:
        if isinstance(s, str):
            value, fmt = _split(s)
            return cls(_round_up_nano(value), fmt)
        return cls(parse_quantity(s))

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self.value < other.value

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self.value == other.value

    def __hash__(self) -> int:
        return hash(self.value)

    def __add__(self, other: Quantity) -> Quantity:
        return Quantity(self.value + other.value, self.format)

    def __sub__(self, other: Quantity) -> Quantity:
        return Quantity(self.value - other.value, self.format)

    def __str__(self) -> str:
        like = {BINARY: "Ki", DECIMAL: "", EXPONENT: "1e3"}[self.format]
        return format_quantity(self.value, like)

    def milli(self) -> int:
        """The value in thousandths, rounded up (``MilliValue``)."""
        return int(-((-self.value * 1000) // 1))
