from dockyard.network.bridge import claim_bridge


def test_second_daemon_on_the_same_bridge_name_gets_its_own(tmp_path):
    first, claim1 = claim_bridge("dockyard0", tmp_path / "exec-a", tmp_path)
    second, claim2 = claim_bridge("dockyard0", tmp_path / "exec-b", tmp_path)
    assert first == "dockyard0"
    assert second.startswith("dy") and second != first and len(second) <= 15
    claim1.release()
    again, claim3 = claim_bridge("dockyard0", tmp_path / "exec-c", tmp_path)
    assert again == "dockyard0"  # released with its daemon
    claim2.release()
    claim3.release()
    assert list(tmp_path.iterdir()) == []  # lock files do not pile up
