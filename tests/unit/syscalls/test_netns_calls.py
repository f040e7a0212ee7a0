"""Pinning and entering network namespaces, recorded through the syscall seam: a namespace is
made by unshare in a thread of its own and pinned by a bind mount, unpinned by a detach."""

import threading

from dockyard.netlink.netns import Namespaces
from dockyard.syscalls import RecordingSyscalls
from dockyard.syscalls import constants as c


def test_create_pins_the_threads_namespace_and_remove_detaches_it(tmp_path):
    fake = RecordingSyscalls()
    threads = []
    namespaces = Namespaces(fake)
    try:
        namespaces.create(tmp_path / "ns" / "one", None)
        namespaces.run(tmp_path / "ns" / "one", lambda ipr: threads.append(threading.get_native_id()))
        namespaces.remove(tmp_path / "ns" / "one")
    finally:
        namespaces.close()
    unshare, pin, enter, unpin = fake.calls
    assert unshare == ("unshare", c.CLONE_NEWNET)
    assert pin[0] == "mount" and pin[1].startswith("/proc/self/task/") and pin[1].endswith("/ns/net")
    assert pin[2:] == (str(tmp_path / "ns" / "one"), None, c.MS_BIND, None)
    assert enter[0] == "setns" and enter[2] == c.CLONE_NEWNET
    assert threads and threads[0] != threading.get_native_id()  # never the caller's own thread
    assert unpin == ("umount2", str(tmp_path / "ns" / "one"), c.MNT_DETACH)
    assert not (tmp_path / "ns" / "one").exists()
