"""The DNS fuzz campaign (fuzz/dns_packets.py), short: a few thousand packets, same checks."""

from __future__ import annotations

from fuzz.dns_packets import campaign


def test_short_dns_fuzz_campaign_crashes_nothing_and_leaves_every_valid_query_answered() -> None:
    fig = campaign(3000, seed=7)
    assert fig.handled > 2000 and fig.udp and fig.tcp
    assert (fig.server_errors, fig.unanswered, fig.wrong) == (0, 0, 0)
