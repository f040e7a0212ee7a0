"""`-v` strings and `--volumes-from` specs, parsed as dockerd parses them."""

import pytest
from hypothesis import given, strategies as st

from dockyard.errors import InvalidArgument
from dockyard.mounts.binds import parse_bind, parse_volumes_from
from dockyard.mounts.modes import valid_mode


def test_named_volume():
    m = parse_bind("myvol:/data")
    assert (m.type, m.source, m.destination, m.mode, m.read_only, m.copy_data, m.anonymous) == \
        ("volume", "myvol", "/data", "z", False, True, False)
    assert m.propagation == ""


def test_bind_mount_defaults_to_rprivate_and_creates_its_source():
    m = parse_bind("/srv/www:/usr/share/www")
    assert (m.type, m.source, m.destination, m.mode, m.propagation, m.create_source) == \
        ("bind", "/srv/www", "/usr/share/www", "", "rprivate", True)


def test_read_only_and_propagation():
    m = parse_bind("/tmp:/t:ro,rshared")
    assert m.read_only and m.propagation == "rshared" and m.mode == "ro,rshared"


def test_nocopy_on_a_volume():
    m = parse_bind("v1:/data:nocopy")
    assert not m.copy_data and m.mode == "nocopy" and not m.read_only


def test_anonymous_volume_from_one_part():
    m = parse_bind("/data")
    assert m.type == "volume" and m.anonymous and m.source == "" and m.destination == "/data"


def test_destination_is_cleaned():
    assert parse_bind("v1:/a/../b/").destination == "/b"
    assert parse_bind("/x/./y/:/c").source == "/x/y"


@pytest.mark.parametrize("raw, message", [
    ("/foo:rw", "invalid volume specification: '/foo:rw'"),
    ("a:/b:ro:x", "invalid volume specification: 'a:/b:ro:x'"),
    (":/data", "invalid volume specification: ':/data'"),
    ("v:/d:rw,ro", "invalid mode: rw,ro"),
    ("v:/d:bogus", "invalid mode: bogus"),
    ("v:rel", "invalid volume specification: 'v:rel': invalid mount config for type \"volume\": "
              "invalid mount path: 'rel' mount path must be absolute"),
    ("v:/", "invalid volume specification: 'v:/': invalid mount config for type \"volume\": "
            "invalid specification: destination can't be '/'"),
    ("/h:/c:nocopy", "invalid volume specification: '/h:/c:nocopy': invalid mount config for type "
                     "\"bind\": field VolumeOptions must not be specified"),
    ("v:/c:shared", "invalid volume specification: 'v:/c:shared': invalid mount config for type "
                    "\"volume\": field BindOptions must not be specified"),
])
def test_refused_as_dockerd_words_it(raw, message):
    with pytest.raises(InvalidArgument) as err:
        parse_bind(raw)
    assert str(err.value) == message


def test_volumes_from():
    assert parse_volumes_from("web") == ("web", "rw")
    assert parse_volumes_from("web:ro") == ("web", "ro")
    for bad in ("web:shared", "web:nocopy", "web:bogus"):
        with pytest.raises(InvalidArgument, match="invalid mode"):
            parse_volumes_from(bad)
    with pytest.raises(InvalidArgument, match="cannot be an empty string"):
        parse_volumes_from("")


_segment = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_-", min_size=1, max_size=8)
_abs_path = st.lists(_segment, min_size=1, max_size=4).map(lambda parts: "/" + "/".join(parts))
_name = st.builds(lambda a, b: a + b, st.sampled_from("abcXYZ019"), _segment)
_modes = st.tuples(
    st.sampled_from(["", "ro", "rw"]),
    st.sampled_from(["", "z", "Z"]),
    st.sampled_from(["", "shared", "rslave", "private"]),
).map(lambda parts: ",".join(p for p in parts if p))


@given(source=_abs_path, destination=_abs_path, mode=_modes)
def test_bind_round_trip(source, destination, mode):
    raw = f"{source}:{destination}" + (f":{mode}" if mode else "")
    m = parse_bind(raw)
    assert (m.type, m.source, m.destination, m.mode) == ("bind", source, destination, mode)
    assert m.read_only == ("ro" in mode.split(","))
    assert m.propagation == next((o for o in mode.split(",") if o in ("shared", "rslave", "private")), "rprivate")


@given(name=_name, destination=_abs_path, ro=st.booleans(), nocopy=st.booleans())
def test_volume_round_trip(name, destination, ro, nocopy):
    mode = ",".join(o for o, on in (("ro", ro), ("nocopy", nocopy)) if on)
    m = parse_bind(f"{name}:{destination}" + (f":{mode}" if mode else ""))
    assert (m.type, m.source, m.destination, m.read_only, m.copy_data) == ("volume", name, destination, ro, not nocopy)
    assert m.mode == (mode or "z")


@given(st.lists(st.sampled_from(["ro", "rw", "z", "Z", "nocopy", "shared", "rprivate", "cached", "x"]), max_size=4))
def test_a_mode_is_valid_iff_each_group_appears_once(options):
    groups = {"ro": 0, "rw": 0, "z": 1, "Z": 1, "nocopy": 2, "shared": 3, "rprivate": 3, "cached": 4}
    expected = "x" not in options and len({groups[o] for o in options}) == len(options)
    assert valid_mode(",".join(options)) == expected
