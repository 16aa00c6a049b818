"""The SPDY/3.1 codec under port-forward: frames, header compression, session state, limits."""

from __future__ import annotations

import struct
import zlib

import pytest

from simk8s.serve import spdy

# What kubectl 1.32 sent first over ``Upgrade: SPDY/3.1`` (captured): the error stream's SYN_STREAM,
# its FIN, and the data stream's SYN_STREAM, whose header block continues the first one's zlib stream.
KUBECTL_OPENING = bytes.fromhex(
    "800300010000003d0000000100000000000078f9e3c6a7c202253a703a2b294a4dcc851625aca9a0808614cb45a024cc"
    "6461c0c0c0c0590489c44c50e2663400000000ffff"
    "0000000101000000"
    "800300010000001800000003000000000000c2aa15540a2512d209000000ffff")

ALL_FRAMES: list[spdy.Frame] = [
    spdy.SynStream(1, (("streamtype", "error"), ("port", "80"), ("requestid", "0"))),
    spdy.SynStream(3, (("a", "x"), ("a", "y"), ("b", "")), fin=True, priority=3, unidirectional=True),
    spdy.SynReply(1),
    spdy.SynReply(3, (("status", "200 OK"),), fin=True),
    spdy.Headers(5, (("x-more", "1"),), fin=True),
    spdy.DataFrame(1, b"hello"),
    spdy.DataFrame(3, b"", fin=True),
    spdy.RstStream(5, spdy.CANCEL),
    spdy.Settings(((0, 4, 100), (1, 7, 65536)), clear=True),
    spdy.Ping(7),
    spdy.GoAway(9, 1),
    spdy.WindowUpdate(3, 4096),
]


def test_the_dictionary_is_spdy3s() -> None:
    # The dictionary id zlib streams of SPDY/3 header blocks carry (its Adler-32).
    assert zlib.adler32(spdy.DICTIONARY) == 0xE3C6A7C2
    assert len(spdy.DICTIONARY) == 1423


def test_kubectls_opening_frames_decode() -> None:
    frames = spdy.Decoder().feed(KUBECTL_OPENING)
    assert frames == [
        spdy.SynStream(1, (("streamtype", "error"), ("port", "80"), ("requestid", "0"))),
        spdy.DataFrame(1, b"", fin=True),
        spdy.SynStream(3, (("streamtype", "data"), ("port", "80"), ("requestid", "0"))),
    ]


def test_every_frame_round_trips_whole_and_byte_by_byte() -> None:
    enc = spdy.Encoder()
    wire = b"".join(enc.encode(f) for f in ALL_FRAMES)
    assert spdy.Decoder().feed(wire) == ALL_FRAMES
    d = spdy.Decoder()
    got = [f for i in range(len(wire)) for f in d.feed(wire[i:i + 1])]
    assert got == ALL_FRAMES
    assert d.buffered == 0


def test_header_blocks_share_one_zlib_stream() -> None:
    enc = spdy.Encoder()
    first = enc.encode(spdy.SynStream(1, (("port", "80"),)))
    second = enc.encode(spdy.SynStream(3, (("port", "80"),)))
    assert len(second) < len(first)   # the second block refers back to the first
    with pytest.raises(spdy.ProtocolError):
        spdy.Decoder().feed(second)   # alone it cannot be inflated
    assert len(spdy.Decoder().feed(first + second)) == 2


def _control(kind: int, payload: bytes, flags: int = 0, version: int = 3) -> bytes:
    return struct.pack(">HHI", 0x8000 | version, kind, flags << 24 | len(payload)) + payload


def _block(raw: bytes) -> bytes:
    z = zlib.compressobj(9, zlib.DEFLATED, 15, 9, zlib.Z_DEFAULT_STRATEGY, spdy.DICTIONARY)
    return z.compress(raw) + z.flush(zlib.Z_SYNC_FLUSH)


@pytest.mark.parametrize("wire", [
    pytest.param(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", id="http-request"),
    pytest.param(struct.pack(">II", 0, 0), id="data-on-stream-0"),
    pytest.param(_control(spdy.PING, b"\x00\x00\x00\x01", version=2), id="spdy2"),
    pytest.param(_control(spdy.PING, b"\x00\x00\x01"), id="short-ping"),
    pytest.param(_control(spdy.RST_STREAM, struct.pack(">II", 1, 0)), id="rst-status-0"),
    pytest.param(_control(spdy.SETTINGS, struct.pack(">I", 1000)), id="settings-count-lies"),
    pytest.param(_control(spdy.SYN_STREAM, struct.pack(">IIH", 1, 0, 0) + b"not zlib"), id="not-zlib"),
    pytest.param(_control(spdy.SYN_STREAM, struct.pack(">IIH", 1, 0, 0) + _block(struct.pack(">I", 1 << 30))),
                 id="header-count-lies"),
    pytest.param(_control(spdy.SYN_STREAM, struct.pack(">IIH", 1, 0, 0) + _block(
        struct.pack(">II", 1, 1 << 31) + b"x")), id="header-length-lies"),
    pytest.param(_control(spdy.SYN_STREAM, struct.pack(">IIH", 1, 0, 0) + _block(
        struct.pack(">II", 2, 1) + b"a" + struct.pack(">I", 0) + struct.pack(">I", 1) + b"a"
        + struct.pack(">I", 0))), id="duplicate-header"),
    pytest.param(_control(spdy.SYN_STREAM, struct.pack(">IIH", 1, 0, 0) + _block(
        struct.pack(">II", 1, 4) + b"Port" + struct.pack(">I", 0))), id="upper-case-name"),
    pytest.param(_control(spdy.SYN_STREAM, struct.pack(">IIH", 0, 0, 0) + _block(struct.pack(">I", 0))),
                 id="syn-stream-0"),
])
def test_malformed_input_is_a_protocol_error(wire: bytes) -> None:
    with pytest.raises(spdy.ProtocolError):
        spdy.Decoder().feed(wire)


def test_an_oversized_frame_is_refused_from_its_header_alone() -> None:
    d = spdy.Decoder()
    with pytest.raises(spdy.ProtocolError, match="over the limit"):
        d.feed(struct.pack(">II", 1, spdy.MAX_DATA_FRAME + 1))
    with pytest.raises(spdy.ProtocolError, match="over the limit"):
        spdy.Decoder().feed(_control(spdy.SYN_STREAM, b"")[:4] + struct.pack(">I", spdy.MAX_CONTROL_FRAME + 1))


def test_a_zlib_bomb_stops_at_the_header_limit() -> None:
    # 16 MiB of zeros deflate to a few KiB; inflating stops just past the 64 KiB limit.
    bomb = _block(struct.pack(">II", 1, 3) + b"abc" + struct.pack(">I", 1 << 24) + bytes(1 << 24))
    assert len(bomb) < spdy.MAX_CONTROL_FRAME
    with pytest.raises(spdy.ProtocolError, match="too large"):
        spdy.Decoder().feed(_control(spdy.SYN_STREAM, struct.pack(">IIH", 1, 0, 0) + bomb))


def test_unknown_control_frames_are_skipped() -> None:
    wire = _control(0x77, b"whatever") + spdy.Encoder().encode(spdy.Ping(1))
    assert spdy.Decoder().feed(wire) == [spdy.Ping(1)]


def _client_session() -> tuple[spdy.Session, spdy.Encoder, spdy.Decoder]:
    return spdy.Session(max_streams=4), spdy.Encoder(), spdy.Decoder()


def test_session_streams_open_carry_data_and_close() -> None:
    s, enc, dec = _client_session()
    ev = s.receive(enc.encode(spdy.SynStream(1, (("streamtype", "data"), ("Port", "80")))))
    assert ev == [spdy.StreamOpened(1, {"streamtype": "data", "port": "80"})]
    s.reply(1)
    s.send(1, b"x" * 70000)
    assert s.receive(enc.encode(spdy.DataFrame(1, b"GET", fin=True))) == [
        spdy.DataReceived(1, b"GET"), spdy.StreamEnded(1)]
    assert 1 in s.streams   # half-closed: the server may still send
    s.close(1)
    assert s.streams == {}
    frames = dec.feed(s.take())
    assert frames[0] == spdy.SynReply(1)
    assert [len(f.data) for f in frames[1:] if isinstance(f, spdy.DataFrame)] == [65536, 70000 - 65536, 0]
    assert isinstance(frames[-1], spdy.DataFrame) and frames[-1].fin
    # Frames for a stream that is gone are dropped.
    assert s.receive(enc.encode(spdy.DataFrame(1, b"late"))) == []


def test_session_answers_client_pings_only() -> None:
    s, enc, dec = _client_session()
    assert s.receive(enc.encode(spdy.Ping(5)) + enc.encode(spdy.Ping(6))) == []
    assert dec.feed(s.take()) == [spdy.Ping(5)]


def test_session_refuses_bad_stream_ids_and_too_many_streams() -> None:
    s, enc, dec = _client_session()
    wire = b"".join(enc.encode(spdy.SynStream(i, (("port", "1"),))) for i in (1, 3, 2, 3, 5, 7, 9, 11))
    opened = [e.stream_id for e in s.receive(wire) if isinstance(e, spdy.StreamOpened)]
    assert opened == [1, 3, 5, 7]
    assert dec.feed(s.take()) == [spdy.RstStream(2, spdy.PROTOCOL_ERROR), spdy.RstStream(3, spdy.PROTOCOL_ERROR),
                                  spdy.RstStream(9, spdy.REFUSED_STREAM), spdy.RstStream(11, spdy.REFUSED_STREAM)]
    assert s.receive(enc.encode(spdy.RstStream(1, spdy.CANCEL))) == [spdy.StreamReset(1, spdy.CANCEL)]
    assert [e.stream_id for e in s.receive(enc.encode(spdy.SynStream(13, ())))] == [13]


def test_session_goaway_both_ways() -> None:
    s, enc, dec = _client_session()
    s.receive(enc.encode(spdy.SynStream(1, ())))
    s.fail()
    assert dec.feed(s.take()) == [spdy.GoAway(1, 1)]
    assert s.receive(enc.encode(spdy.SynStream(3, ()))) == []   # no new streams once going away
    s2, enc2, _ = _client_session()
    assert s2.receive(enc2.encode(spdy.GoAway(0))) == [spdy.GoneAway(0, 0)]
    assert s2.going_away
