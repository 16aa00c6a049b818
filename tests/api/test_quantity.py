from fractions import Fraction

import pytest

from simk8s.api.quantity import Quantity, canonical, format_quantity, parse_quantity

FORMAT_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"


@pytest.mark.parametrize(
    "text,value",
    [
        ("1Gi", 2**30),
        ("500m", Fraction(1, 2)),
        ("2Ki", 2048),
        ("1k", 1000),
        ("1M", 10**6),
        ("1e3", 1000),
        ("1E", 10**18),
        ("100", 100),
        ("1.5", Fraction(3, 2)),
        ("-1Mi", -(2**20)),
        ("1n", Fraction(1, 10**9)),
        ("0.1n", Fraction(1, 10**9)),
    ],
)
def test_quantities_parse_to_exact_values(text, value):
    assert parse_quantity(text) == value


@pytest.mark.parametrize(
    "text,message",
    [
        ("", FORMAT_ERROR),
        ("abc", FORMAT_ERROR),
        ("1 Gi", FORMAT_ERROR),
        ("1..2", "unable to parse numeric part of quantity"),
        ("1Kii", "unable to parse quantity's suffix"),
    ],
)
def test_bad_quantities_are_refused_with_apimachinery_text(text, message):
    with pytest.raises(ValueError) as exc:
        parse_quantity(text)
    assert str(exc.value) == message


@pytest.mark.parametrize(
    "text,stored",
    [
        ("1Gi", "1Gi"),
        ("0.5Gi", "512Mi"),
        ("1536Mi", "1536Mi"),
        ("1000m", "1"),
        ("0.5", "500m"),
        ("1000", "1k"),
        ("1500", "1500"),
        ("12e2", "1200"),
        ("1e3", "1e3"),
        ("100Mi", "100Mi"),
    ],
)
def test_api_server_stores_quantities_in_canonical_form(text, stored):
    assert canonical(text) == stored


def test_format_quantity_prefers_binary_for_byte_counts():
    assert format_quantity(1073741824) == "1Gi"
    assert format_quantity(Fraction(1, 2)) == "500m"
    assert format_quantity(10**9, like="1G") == "1G"
    assert format_quantity(2**30, like="Gi") == "1Gi"


def test_quantities_compare_by_value():
    assert Quantity.parse("1Gi") == Quantity.parse("1024Mi")
    assert Quantity.parse("1Gi") > Quantity.parse("1000Mi")
    assert str(Quantity.parse("1Gi") + Quantity.parse("512Mi")) == "1536Mi"
    assert Quantity.parse("250m").milli() == 250
