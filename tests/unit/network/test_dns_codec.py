import struct

import pytest
from hypothesis import given, strategies as st

from dockyard.network.dns import codec

label = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=20)
names = st.lists(label, min_size=1, max_size=4).map(".".join)
ipv4 = st.tuples(*[st.integers(0, 255)] * 4).map(lambda t: ".".join(map(str, t)))


@given(st.integers(0, 0xFFFF), names, st.sampled_from([codec.TYPE_A, codec.TYPE_AAAA]))
def test_query_round_trip(msg_id, name, qtype):
    msg = codec.parse(codec.build_query(msg_id, name, qtype))
    assert msg.id == msg_id and not msg.is_response
    assert msg.questions == (codec.Question(name, qtype),)


@given(st.integers(0, 0xFFFF), names, st.lists(ipv4, max_size=5))
def test_answer_round_trip(msg_id, name, addrs):
    query = codec.parse(codec.build_query(msg_id, name))
    reply = codec.parse(codec.build_response(query, codec.NOERROR, addrs))
    assert reply.is_response and reply.id == msg_id and reply.rcode == codec.NOERROR
    assert reply.questions == query.questions
    assert reply.addresses() == addrs
    assert all(n == name for n, _, _ in reply.answers)  # the compression pointer resolves


def test_nxdomain_keeps_id_question_and_recursion_flags():
    query = codec.parse(codec.build_query(7, "Nope.Example."))
    assert query.questions[0].name == "nope.example"
    raw = codec.build_response(query, codec.NXDOMAIN)
    reply = codec.parse(raw)
    assert reply.rcode == codec.NXDOMAIN and reply.id == 7 and not reply.answers
    flags = struct.unpack_from("!H", raw, 2)[0]
    assert flags & 0x0100 and flags & 0x0080  # RD echoed, RA set


@given(st.binary(max_size=64))
def test_garbage_never_crashes_the_parser(data):
    try:
        codec.parse(data)
    except codec.DnsFormatError:
        pass


def test_pointer_loop_is_rejected():
    header = struct.pack("!HHHHHH", 1, 0, 1, 0, 0, 0)
    with pytest.raises(codec.DnsFormatError):
        codec.parse(header + b"\xc0\x0c" + b"\x00\x01\x00\x01")


def test_error_response_for_unparseable_query():
    reply = codec.parse(codec.error_response(b"\x12\x34\xff", codec.FORMERR))
    assert reply.id == 0x1234 and reply.rcode == codec.FORMERR


def test_label_too_long():
    with pytest.raises(codec.DnsFormatError):
        codec.encode_name("a" * 64 + ".com")
