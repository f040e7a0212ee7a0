"""`--mount` objects (HostConfig.Mounts) as the docker CLI sends them."""

import pytest

from dockyard.errors import InvalidArgument
from dockyard.mounts.spec import planned_from_spec


def test_bind_with_options():
    m = planned_from_spec({"Type": "bind", "Source": "/tmp", "Target": "/x", "ReadOnly": True,
                           "BindOptions": {"Propagation": "rslave", "NonRecursive": True}})
    assert (m.type, m.source, m.destination, m.read_only, m.propagation, m.non_recursive, m.mode) == \
        ("bind", "/tmp", "/x", True, "rslave", True, "")
    assert not m.create_source


def test_bind_create_mountpoint():
    m = planned_from_spec({"Type": "bind", "Source": "/nope", "Target": "/x",
                           "BindOptions": {"CreateMountpoint": True}})
    assert m.create_source


def test_volume_with_driver_options_labels_subpath():
    m = planned_from_spec({"Type": "volume", "Source": "data", "Target": "/d",
                           "VolumeOptions": {"NoCopy": True, "Labels": {"a": "b"}, "Subpath": "sub/dir",
                                             "DriverConfig": {"Name": "local", "Options": {"type": "tmpfs", "device": "tmpfs"}}}})
    assert (m.source, m.copy_data, m.volume_labels, m.subpath, m.driver, m.mode) == \
        ("data", False, {"a": "b"}, "sub/dir", "local", "z")
    assert m.volume_options == {"type": "tmpfs", "device": "tmpfs"}


def test_anonymous_volume():
    m = planned_from_spec({"Type": "volume", "Target": "/d"})
    assert m.anonymous and m.source == "" and m.copy_data


def test_tmpfs_size_and_mode():
    m = planned_from_spec({"Type": "tmpfs", "Target": "/t", "TmpfsOptions": {"SizeBytes": 10485760, "Mode": 0o1770}})
    assert m.tmpfs_options == ("mode=1770", "size=10m") and m.listed


@pytest.mark.parametrize("spec, message", [
    ({"Type": "bind", "Target": "/x"}, 'invalid mount config for type "bind": field Source must not be empty'),
    ({"Type": "bind", "Source": "/a"}, 'invalid mount config for type "bind": field Target must not be empty'),
    ({"Type": "bind", "Source": "rel", "Target": "/x"},
     "invalid mount config for type \"bind\": invalid mount path: 'rel' mount path must be absolute"),
    ({"Type": "bind", "Source": "/a", "Target": "/x", "BindOptions": {"Propagation": "weird"}},
     'invalid mount config for type "bind": invalid propagation mode: weird'),
    ({"Type": "bind", "Source": "/a", "Target": "/x", "VolumeOptions": {}},
     'invalid mount config for type "bind": field VolumeOptions must not be specified'),
    ({"Type": "volume", "Target": "/x", "ReadOnly": True},
     'invalid mount config for type "volume": must not set ReadOnly mode when using anonymous volumes'),
    ({"Type": "volume", "Target": "/x", "VolumeOptions": {"Subpath": "a"}},
     'invalid mount config for type "volume": must not set Subpath when using anonymous volumes'),
    ({"Type": "volume", "Source": "v", "Target": "/x", "VolumeOptions": {"Subpath": "../etc"}},
     'invalid mount config for type "volume": subpath must be a relative path within the volume'),
    ({"Type": "volume", "Source": "v", "Target": "/x", "VolumeOptions": {"Subpath": "/etc"}},
     'invalid mount config for type "volume": subpath must be a relative path within the volume'),
    ({"Type": "tmpfs", "Source": "x", "Target": "/t"}, 'invalid mount config for type "tmpfs": field Source must not be specified'),
    ({"Type": "npipe", "Target": "/t"}, 'invalid mount config for type "npipe": mount type unknown'),
    ({"Type": "volume", "Target": "/"},
     "invalid mount config for type \"volume\": invalid specification: destination can't be '/'"),
])
def test_refused(spec, message):
    with pytest.raises(InvalidArgument) as err:
        planned_from_spec(spec)
    assert str(err.value) == message
