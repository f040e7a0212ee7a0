import asyncio
import ipaddress

from dockyard.network.dns import codec
from dockyard.network.dns.server import Answerer

NAMES = {"web": ["172.18.0.2"], "db": ["172.18.0.3", "172.18.0.4"], "six": ["172.18.0.5", "2001:db8::5"]}


def _answerer(upstreams=()):
    def resolve(network, client, name):
        assert network == "n1" and client == "172.18.0.9"
        return NAMES.get(name)

    return Answerer(resolve, lambda network, client: list(upstreams))


def _ask(answerer, name, qtype=codec.TYPE_A):
    raw = asyncio.run(answerer.answer("n1", "172.18.0.9", codec.build_query(5, name, qtype)))
    return codec.parse(raw)


def test_local_names_answer_a_records_round_robin_set():
    reply = _ask(_answerer(), "db")
    assert reply.rcode == codec.NOERROR and sorted(reply.addresses()) == ["172.18.0.3", "172.18.0.4"]


def test_local_name_without_aaaa_is_an_empty_noerror():
    reply = _ask(_answerer(), "web", codec.TYPE_AAAA)
    assert reply.rcode == codec.NOERROR and reply.answers == ()


def test_a_container_on_an_ipv6_network_answers_aaaa_too():
    assert _ask(_answerer(), "six").addresses() == ["172.18.0.5"]
    reply = _ask(_answerer(), "six", codec.TYPE_AAAA)
    assert [(t, ipaddress.IPv6Address(r)) for _, t, r in reply.answers] == \
        [(codec.TYPE_AAAA, ipaddress.IPv6Address("2001:db8::5"))]


def test_unknown_name_without_upstreams_is_nxdomain():
    assert _ask(_answerer(), "example.org").rcode == codec.NXDOMAIN


def test_unreachable_upstream_is_servfail():
    # a closed port on loopback: refused at once, never leaves the host
    reply = _ask(_answerer([("127.0.0.1", 9)]), "example.org")
    assert reply.rcode == codec.SERVFAIL


def test_garbage_gets_formerr_and_responses_are_ignored():
    answerer = _answerer()
    raw = asyncio.run(answerer.answer("n1", "172.18.0.9", b"\x00\x01\x02"))
    assert codec.parse(raw).rcode == codec.FORMERR
    query = codec.parse(codec.build_query(1, "web"))
    response = codec.build_response(query, codec.NOERROR, ["1.2.3.4"])
    assert asyncio.run(answerer.answer("n1", "172.18.0.9", response)) is None
