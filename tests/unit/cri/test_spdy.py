"""SPDY/3.1 framing: the header dictionary, compressed header blocks across frames, data."""

import hashlib
import struct
import zlib

import pytest

from dockyard.cri.streaming import spdy


def test_the_dictionary_is_the_specifications():
    # SPDY draft 3, 2.6.10.1: 1423 bytes (the digest of the spec's byte listing).
    assert len(spdy.DICTIONARY) == 1423
    assert hashlib.sha256(spdy.DICTIONARY).hexdigest() == "51d27341373f923f3cd88e1eb7162aeaa3723d7585ff2399201dc06498407f02"


def test_frames_round_trip_split_anywhere():
    client, server = spdy.Encoder(), spdy.Decoder()
    wire = (client.syn_stream(1, {"streamType": "error"}) + client.syn_stream(3, {"streamType": "stdin", "port": "80"})
            + client.data(3, b"hello") + client.data(3, b"", fin=True) + client.ping(7) + client.rst_stream(1, 5)
            + client.goaway(3))
    frames = []
    for i in range(0, len(wire), 3):                  # the header inflater keeps its state across frames
        frames += server.feed(wire[i:i + 3])
    assert [(f.kind, f.type, f.stream_id) for f in frames] == [
        ("control", spdy.SYN_STREAM, 1), ("control", spdy.SYN_STREAM, 3), ("data", 0, 3), ("data", 0, 3),
        ("control", spdy.PING, 0), ("control", spdy.RST_STREAM, 1), ("control", spdy.GOAWAY, 3)]
    assert frames[1].headers == {"streamtype": ["stdin"], "port": ["80"]}
    assert (frames[2].data, frames[3].fin, frames[4].ping_id, frames[5].status) == (b"hello", True, 7, 5)


def test_replies_decode_with_the_peers_inflater():
    encoder = spdy.Encoder()
    inflate = zlib.decompressobj(zdict=spdy.DICTIONARY)
    for stream_id in (1, 3):
        frame = encoder.syn_reply(stream_id, {"a": "b"})
        assert struct.unpack(">HHI", frame[:8])[:2] == (0x8003, spdy.SYN_REPLY)
        block = inflate.decompress(frame[12:])
        assert block == struct.pack(">I", 1) + struct.pack(">I", 1) + b"a" + struct.pack(">I", 1) + b"b"


def test_another_version_is_a_protocol_error():
    with pytest.raises(spdy.ProtocolError):
        spdy.Decoder().feed(struct.pack(">HHI", 0x8002, spdy.PING, 4) + b"\0\0\0\1")
