import pytest
from hypothesis import given
from hypothesis import strategies as st

from dockyard.shim import protocol

KINDS = st.sampled_from(sorted(protocol.KINDS))


@given(st.lists(st.tuples(KINDS, st.binary(max_size=3000)), max_size=20), st.integers(1, 50))
def test_frames_round_trip_whatever_the_chunking(frames, step):
    wire = b"".join(protocol.encode(kind, payload) for kind, payload in frames)
    decoder = protocol.FrameDecoder()
    decoded = []
    for start in range(0, len(wire), step):
        decoded += decoder.feed(wire[start:start + step])
    assert decoded == frames and decoder.pending == 0


def test_json_frames():
    decoder = protocol.FrameDecoder()
    [(kind, payload)] = decoder.feed(protocol.encode_json(protocol.REQUEST, {"op": "wait", "exec_id": None}))
    assert kind == protocol.REQUEST
    assert protocol.decode_json(payload) == {"op": "wait", "exec_id": None}
    assert protocol.encode(protocol.STDOUT, b"hi") == b"1\x00\x00\x00\x02hi"


def test_garbage_is_rejected():
    with pytest.raises(protocol.ProtocolError):
        protocol.FrameDecoder().feed(b"GET / HTTP/1.1\r\n")
    with pytest.raises(protocol.ProtocolError):
        protocol.FrameDecoder().feed(bytes([protocol.STDIN]) + (protocol.MAX_PAYLOAD + 1).to_bytes(4, "big"))
    with pytest.raises(protocol.ProtocolError):
        protocol.decode_json(b"{nope")


def test_incomplete_frame_waits_for_more():
    decoder = protocol.FrameDecoder()
    wire = protocol.encode(protocol.STDERR, b"abcdef")
    assert decoder.feed(wire[:7]) == []
    assert decoder.pending == 7
    assert decoder.feed(wire[7:]) == [(protocol.STDERR, b"abcdef")]
