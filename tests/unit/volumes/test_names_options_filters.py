"""Names, local-driver options and list/prune filters (pure)."""

import pytest
from hypothesis import given, strategies as st

from dockyard.errors import InvalidArgument
from dockyard.volumes.filters import list_predicate, prune_predicate
from dockyard.volumes.model import ANONYMOUS_LABEL, Volume
from dockyard.volumes.names import anonymous_name, check_name
from dockyard.syscalls.constants import MS_BIND, MS_RDONLY, MS_REC
from dockyard.syscalls.mount_options import split_option_string as parse_mount_options
from dockyard.volumes.options import check_options


@pytest.mark.parametrize("name", ["ab", "my_vol", "a.b-c", "0x", anonymous_name()])
def test_good_names(name):
    check_name(name)


@pytest.mark.parametrize("name", ["..", "../x", "a/b", "/abs", ".hidden", "-x", "a b", "a\x00b", "x/../y", "é1"])
def test_path_tricks_refused(name):
    with pytest.raises(InvalidArgument, match="includes invalid characters for a local volume name"):
        check_name(name)


def test_one_character_name():
    with pytest.raises(InvalidArgument, match="volume name is too short"):
        check_name("x")


@given(st.text(min_size=2, max_size=20))
def test_an_accepted_name_is_one_plain_path_component(name):
    try:
        check_name(name)
    except InvalidArgument:
        return
    assert "/" not in name and name not in (".", "..") and not name.startswith(".") and "\x00" not in name


def test_options():
    check_options(None)
    check_options({"type": "tmpfs", "device": "tmpfs", "o": "size=10m"})
    for options, message in [({"foo": "1"}, 'invalid option: "foo"'), ({"type": "tmpfs"}, 'missing required option: "device"'),
                             ({"o": "x", "device": "d"}, 'missing required option: "type"'),
                             ({"size": "1g"}, "no quota support")]:
        with pytest.raises(InvalidArgument, match=message):
            check_options(options)


def test_mount_options_split_into_flags_and_data():
    assert parse_mount_options("size=10m,uid=1000") == (0, "size=10m,uid=1000")
    assert parse_mount_options("bind,ro") == (MS_BIND | MS_RDONLY, "")
    assert parse_mount_options("rbind,ro,rw") == (MS_BIND | MS_REC, "")
    assert parse_mount_options("") == (0, "")


def vol(name, labels=None, refs=()):
    return Volume(name, "2026-01-01T00:00:00Z", labels, None, set(refs))


VOLUMES = [vol("web-data", {"app": "web", "tier": "front"}, ["c1"]), vol("db-data", {"app": "db"}),
           vol("a" * 64, {ANONYMOUS_LABEL: ""}), vol("plain")]


def names(predicate):
    return [v.name for v in VOLUMES if predicate(v)]


def test_list_filters():
    assert names(list_predicate({})) == [v.name for v in VOLUMES]
    assert names(list_predicate({"dangling": ["true"]})) == ["db-data", "a" * 64, "plain"]
    assert names(list_predicate({"dangling": ["0"]})) == ["web-data"]
    assert names(list_predicate({"label": ["app"]})) == ["web-data", "db-data"]
    assert names(list_predicate({"label": ["app=web", "tier=front"]})) == ["web-data"]
    assert names(list_predicate({"label": ["app=web", "tier=back"]})) == []
    assert names(list_predicate({"name": ["data"]})) == ["web-data", "db-data"]
    assert names(list_predicate({"name": ["^db", "plain"]})) == ["db-data", "plain"]
    assert names(list_predicate({"driver": ["local"]})) == [v.name for v in VOLUMES]
    assert names(list_predicate({"driver": ["nfs"]})) == []


def test_bad_filters():
    with pytest.raises(InvalidArgument, match="invalid filter 'dangling=maybe'"):
        list_predicate({"dangling": ["maybe"]})
    with pytest.raises(InvalidArgument, match="invalid filter 'all'"):
        prune_predicate({"all": ["yes"]}, (1, 44))
    with pytest.raises(InvalidArgument, match="only one value is expected"):
        prune_predicate({"all": ["1", "0"]}, (1, 44))


def test_prune_filters():
    assert names(prune_predicate({}, (1, 44))) == ["a" * 64]
    assert names(prune_predicate({"all": ["true"]}, (1, 44))) == ["db-data", "a" * 64, "plain"]
    assert names(prune_predicate({"all": ["1"], "label": ["app"]}, (1, 44))) == ["db-data"]
    assert names(prune_predicate({"all": ["true"], "label!": ["app"]}, (1, 44))) == ["a" * 64, "plain"]
    assert names(prune_predicate({"all": ["false"]}, (1, 44))) == ["a" * 64]
    assert names(prune_predicate({}, (1, 41))) == ["db-data", "a" * 64, "plain"]  # before `all` existed


def test_prune_never_takes_volumes_with_mount_options():
    tmpfs = Volume("mem", "2026-01-01T00:00:00Z", {ANONYMOUS_LABEL: ""}, {"type": "tmpfs", "device": "tmpfs"})
    assert not prune_predicate({"all": ["1"]}, (1, 44))(tmpfs)
