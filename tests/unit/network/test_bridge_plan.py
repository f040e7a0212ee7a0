from dockyard.netlink.links import IfacePlan, VethPlan
from dockyard.network.bridge import plan_attach


def test_attach_plan_names_fit_ifnamsiz_and_carry_the_endpoint():
    plan = plan_attach("0123456789abcdef" * 4, "dockyard0", "/run/dockyard/netns/c1", "eth1",
                       "02:42:ac:11:00:05", "172.17.0.5", 16, None)
    assert plan.veth == VethPlan(host="dy0123456789a", peer="eth1", mac="02:42:ac:11:00:05",
                                 bridge="dockyard0", netns_path="/run/dockyard/netns/c1")
    assert plan.iface == IfacePlan(name="eth1", address="172.17.0.5", prefixlen=16, gateway=None)
    assert len(plan.veth.host) <= 15


def test_first_network_gets_the_default_route():
    plan = plan_attach("ab" * 32, "dy-net", "/n", "eth0", "02:42:0a:00:00:02", "10.0.0.2", 24,
                       "10.0.0.1")
    assert plan.iface.gateway == "10.0.0.1"
