"""The shell-program fuzz campaign (fuzz/shell_programs.py), short: a few dozen programs."""

from __future__ import annotations

from fuzz.shell_programs import campaign


def test_short_shell_fuzz_campaign_never_fails_the_host_process() -> None:
    fig = campaign(40, seed=3)
    assert fig.programs == 40
    assert fig.failures == []
    assert all(0 <= code <= 255 for code in fig.statuses)
