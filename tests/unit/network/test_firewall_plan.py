from dockyard.firewall import rules
from dockyard.firewall.rules import BridgeNet, Chains, PortForward

CH = Chains("DOCKYARD-t-DNAT", "DOCKYARD-t-POST", "DOCKYARD-t-FWD", "DOCKYARD-t-IN",
            "DOCKYARD-t-PORTS")


def test_chain_names_differ_per_exec_root_and_fit_iptables():
    a, b = Chains.for_root("/run/a"), Chains.for_root("/run/b")
    assert a != b
    for name in (a.dnat, a.postrouting, a.forward, a.input, a.ports):
        assert name.startswith("DOCKYARD-") and len(name) <= 28


def test_plan_for_a_bridge_with_a_published_port():
    plan = rules.plan(CH, [BridgeNet("dy0", "172.17.0.0/16")],
                      [PortForward("tcp", "0.0.0.0", 8080, "172.17.0.2", 80, "dy0")])
    assert plan["nat"] == [
        "-A DOCKYARD-t-DNAT ! -i dy0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80",
        "-A DOCKYARD-t-POST -s 172.17.0.0/16 ! -o dy0 -j MASQUERADE",
    ]
    assert plan["filter"] == [
        "-A DOCKYARD-t-FWD -j DOCKYARD-t-PORTS",
        "-A DOCKYARD-t-PORTS -d 172.17.0.2/32 ! -i dy0 -o dy0 -p tcp -m tcp --dport 80 -j ACCEPT",
        "-A DOCKYARD-t-FWD -i dy0 -o dy0 -j ACCEPT",
        "-A DOCKYARD-t-FWD -o dy0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
        "-A DOCKYARD-t-FWD -i dy0 ! -o dy0 -j ACCEPT",
        "-A DOCKYARD-t-FWD -o dy0 -j DROP",
    ]


def test_host_ip_binding_restricts_the_dnat_destination():
    plan = rules.plan(CH, [], [PortForward("udp", "10.0.0.5", 53, "172.17.0.3", 53, "dy0")])
    assert plan["nat"] == ["-A DOCKYARD-t-DNAT -d 10.0.0.5/32 ! -i dy0 -p udp -m udp --dport 53"
                           " -j DNAT --to-destination 172.17.0.3:53"]


def test_isolation_between_networks_comes_first_and_internal_has_no_nat():
    plan = rules.plan(CH, [BridgeNet("a", "10.1.0.0/24"), BridgeNet("b", "10.2.0.0/24", internal=True)], [])
    assert plan["nat"] == ["-A DOCKYARD-t-POST -s 10.1.0.0/24 ! -o a -j MASQUERADE"]
    assert plan["filter"][:4] == [
        "-A DOCKYARD-t-FWD -i a -o b -j DROP",
        "-A DOCKYARD-t-FWD -i b -o a -j DROP",
        "-A DOCKYARD-t-FWD -i b ! -o b -j DROP",
        "-A DOCKYARD-t-FWD ! -i b -o b -j DROP",
    ]
    assert "-A DOCKYARD-t-FWD -i b ! -o b -j ACCEPT" not in plan["filter"]


def test_restore_input_redeclares_only_our_chains():
    text = rules.restore_input(CH, {"nat": ["-A DOCKYARD-t-POST -j MASQUERADE"], "filter": []})
    assert text == ("*nat\n:DOCKYARD-t-DNAT - [0:0]\n:DOCKYARD-t-POST - [0:0]\n"
                    "-A DOCKYARD-t-POST -j MASQUERADE\nCOMMIT\n"
                    "*filter\n:DOCKYARD-t-FWD - [0:0]\n:DOCKYARD-t-PORTS - [0:0]\n"
                    ":DOCKYARD-t-IN - [0:0]\nCOMMIT\n")


SAVED = """*nat
:PREROUTING ACCEPT [0:0]
:DOCKYARD-t-DNAT - [0:0]
-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKYARD-t-DNAT
-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
COMMIT
*filter
:FORWARD DROP [0:0]
-A FORWARD -j DOCKER-USER
COMMIT
"""


def test_missing_jumps_and_teardown_touch_only_ours():
    missing = rules.missing_jumps(CH, SAVED)
    assert [(j.table, j.chain) for j in missing] == [("nat", "OUTPUT"), ("nat", "POSTROUTING"),
                                                    ("filter", "FORWARD"), ("filter", "INPUT")]
    add = rules.jump_input(missing)
    assert "-I FORWARD 1 -j DOCKYARD-t-FWD" in add
    assert "-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKYARD-t-DNAT" in add
    down = rules.teardown_input(CH, SAVED)
    assert down == ("*nat\n-D PREROUTING -m addrtype --dst-type LOCAL -j DOCKYARD-t-DNAT\n"
                    "-F DOCKYARD-t-DNAT\n-X DOCKYARD-t-DNAT\nCOMMIT\n")
    assert "DOCKER" not in down.replace("DOCKYARD", "")


def test_user_networks_accept_dns_queries_to_their_gateway():
    plan = rules.plan(CH, [BridgeNet("u1", "10.1.0.0/24", dns=True), BridgeNet("dy0", "10.2.0.0/24")], [])
    assert [r for r in plan["filter"] if r.startswith("-A DOCKYARD-t-IN")] == [
        "-A DOCKYARD-t-IN -i u1 -p udp -m udp --dport 53 -j ACCEPT",
        "-A DOCKYARD-t-IN -i u1 -p tcp -m tcp --dport 53 -j ACCEPT",
    ]


def test_publishing_a_port_only_appends_and_removal_rewrites():
    nets = [BridgeNet("dy0", "172.17.0.0/16")]
    one = PortForward("tcp", "0.0.0.0", 8080, "172.17.0.2", 80, "dy0")
    two = PortForward("udp", "0.0.0.0", 5353, "172.17.0.3", 53, "dy0")
    before = rules.plan(CH, nets, [one])
    after = rules.plan(CH, nets, [one, two])
    assert rules.append_input(before, after) == (
        "*nat\n-A DOCKYARD-t-DNAT ! -i dy0 -p udp -m udp --dport 5353"
        " -j DNAT --to-destination 172.17.0.3:53\nCOMMIT\n"
        "*filter\n-A DOCKYARD-t-PORTS -d 172.17.0.3/32 ! -i dy0 -o dy0 -p udp -m udp"
        " --dport 53 -j ACCEPT\nCOMMIT\n")
    assert rules.append_input(after, before) is None  # a port went away: rewrite
    assert rules.append_input(before, rules.plan(CH, [], [])) is None
    assert rules.append_input(before, before) == ""


def test_icc_false_drops_traffic_within_the_bridge_and_no_masquerade_drops_the_nat():
    plan = rules.plan(CH, [BridgeNet("a", "10.1.0.0/24", masquerade=False, icc=False)], [])
    assert plan["nat"] == []
    assert "-A DOCKYARD-t-FWD -i a -o a -j DROP" in plan["filter"]
    assert "-A DOCKYARD-t-FWD -i a -o a -j ACCEPT" not in plan["filter"]
    assert "-A DOCKYARD-t-FWD -i a ! -o a -j ACCEPT" in plan["filter"]  # leaving the bridge still works
