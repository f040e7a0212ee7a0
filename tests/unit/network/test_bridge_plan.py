from dockyard.netlink.links import IfacePlan, VethPlan
from dockyard.network.bridge import plan_attach
from dockyard.network.model import Endpoint


def _endpoint(**fields) -> Endpoint:
    base = dict(id="0123456789abcdef" * 4, network_id="n", container_id="c", container_name="web",
                hostname="h", ifname="eth1", host_veth="dy0123456789a", address="172.17.0.5", prefixlen=16,
                gateway="172.17.0.1", mac="02:42:ac:11:00:05")
    return Endpoint(**{**base, **fields})


def test_attach_plan_names_fit_ifnamsiz_and_carry_the_endpoint():
    plan = plan_attach(_endpoint(), "dockyard0", "/run/dockyard/netns/c1", 1400)
    assert plan.veth == VethPlan(host="dy0123456789a", peer="eth1", mac="02:42:ac:11:00:05",
                                 bridge="dockyard0", netns_path="/run/dockyard/netns/c1", mtu=1400)
    assert plan.iface == IfacePlan(name="eth1", address="172.17.0.5", prefixlen=16, gateway=None)
    assert len(plan.veth.host) <= 15


def test_the_default_route_endpoint_gets_both_gateways():
    plan = plan_attach(_endpoint(default_route=True, address6="2001:db8::2", prefixlen6=64,
                                 gateway6="2001:db8::1"), "dy-net", "/n", 1500)
    assert (plan.iface.gateway, plan.iface.gateway6) == ("172.17.0.1", "2001:db8::1")
    assert (plan.iface.address6, plan.iface.prefixlen6) == ("2001:db8::2", 64)
