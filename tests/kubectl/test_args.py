"""kubectl's flag parsing: pflag rules as users type them."""

from __future__ import annotations

import pytest

from simk8s.kubectl.args import UsageError, parse_args


def test_flags_anywhere_short_and_long_with_and_without_equals() -> None:
    a = parse_args(["pods", "-w", "-l", "app=nginx", "--namespace=prod", "-owide"])
    assert a.positional == ["pods"]
    assert a.bool("watch") and a.get("selector") == "app=nginx"
    assert a.get("namespace") == "prod" and a.get("output") == "wide"


def test_combined_short_booleans_and_the_command_after_dashdash() -> None:
    a = parse_args(["-it", "web-0", "--", "sh", "-c", "hostname"])
    assert a.bool("stdin") and a.bool("tty")
    assert a.positional == ["web-0"] and a.command == ["sh", "-c", "hostname"]


def test_repeatable_filenames_and_optional_value_flags() -> None:
    a = parse_args(["-f", "a.yaml", "-f", "b.yaml", "--cascade"])
    assert a.list("filename") == ["a.yaml", "b.yaml"]
    assert a.get("cascade") == "background"


def test_unknown_flags_are_refused_with_pflag_wording() -> None:
    with pytest.raises(UsageError, match="unknown flag: --nope"):
        parse_args(["--nope"])
    with pytest.raises(UsageError, match="unknown shorthand flag: 'z' in -z"):
        parse_args(["-z"])
    with pytest.raises(UsageError, match="flag needs an argument: --namespace"):
        parse_args(["--namespace"])
