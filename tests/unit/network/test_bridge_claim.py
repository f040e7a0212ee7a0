from dockyard.network.bridge import claim_bridge, release_bridge


def test_second_daemon_on_the_same_bridge_name_gets_its_own(tmp_path):
    first, fd1 = claim_bridge("dockyard0", tmp_path / "exec-a", tmp_path)
    second, fd2 = claim_bridge("dockyard0", tmp_path / "exec-b", tmp_path)
    assert first == "dockyard0"
    assert second.startswith("dy") and second != first and len(second) <= 15
    release_bridge(fd1)
    again, fd3 = claim_bridge("dockyard0", tmp_path / "exec-c", tmp_path)
    assert again == "dockyard0"  # released with its daemon
    release_bridge(fd2)
    release_bridge(fd3)
