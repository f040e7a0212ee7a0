import pytest

from dockyard.errors import InvalidArgument
from dockyard.shim.logopts import DEFAULT_MAX_FILE, DEFAULT_MAX_SIZE, LogConfig, parse_log_opts, parse_size


@pytest.mark.parametrize("text,size", [("512", 512), ("1k", 1024), ("10m", 10 << 20), ("1.5g", 3 << 29),
                                       ("2MB", 2 << 20), ("3kib", 3072), ("-1", 0)])
def test_sizes_like_docker(text, size):
    assert parse_size(text) == size


def test_default_cap_applies_without_max_size():
    assert parse_log_opts({}) == LogConfig(DEFAULT_MAX_SIZE, DEFAULT_MAX_FILE) == LogConfig(20 << 20, 3)
    assert parse_log_opts(None) == parse_log_opts({"tag": "x"})
    assert parse_log_opts({"max-file": "100"}) == LogConfig(20 << 20, 3)   # dockerd accepts it: it rotates nothing


def test_explicit_options():
    assert parse_log_opts({"max-size": "1k", "max-file": "5"}) == LogConfig(1024, 5)
    assert parse_log_opts({"max-size": "1k"}) == LogConfig(1024, 1)
    assert parse_log_opts({"max-size": "-1", "max-file": "4"}) == LogConfig(0, 1)


@pytest.mark.parametrize("opts,message", [
    ({"max-size": "ten"}, "invalid size"), ({"max-size": "1k", "max-file": "0"}, "less than 1"),
    ({"max-file": "0"}, "less than 1"), ({"bogus": "1"}, "unknown log opt 'bogus'"),
    ({"max-size": "1k", "max-file": "x"}, "invalid value for max-file"),
])
def test_invalid_options(opts, message):
    with pytest.raises(InvalidArgument, match=message):
        parse_log_opts(opts)


def test_config_round_trips_through_json():
    config = LogConfig(1234, 7)
    assert LogConfig.from_json(config.to_json()) == config


def test_log_drivers_json_file_by_default_none_without_a_file_others_refused():
    from dockyard.shim.logopts import keeps_log_file

    assert keeps_log_file({}) and keeps_log_file({"Type": "json-file", "Config": {"max-size": "1m"}})
    assert keeps_log_file({"Type": "none", "Config": {"anything": "goes"}}) is False
    with pytest.raises(InvalidArgument, match="log driver 'journald' is not supported"):
        keeps_log_file({"Type": "journald"})
    with pytest.raises(InvalidArgument, match='^error looking up logging plugin asdf: plugin "asdf" not found$'):
        keeps_log_file({"Type": "asdf"})                     # dockerd's words for a driver nobody has
    with pytest.raises(InvalidArgument, match="unknown log opt 'nope'"):
        keeps_log_file({"Type": "json-file", "Config": {"nope": "1"}})


def test_a_container_without_a_driver_gets_the_daemons_and_its_options_fill_the_gaps():
    from dockyard.shim.logopts import merge_log_config

    daemon = {"Type": "json-file", "Config": {"max-size": "10m", "max-file": "2"}}
    assert merge_log_config(None, daemon) == daemon
    assert merge_log_config({"Type": "", "Config": {"max-file": "5"}}, daemon) == \
        {"Type": "json-file", "Config": {"max-size": "10m", "max-file": "5"}}
    assert merge_log_config({"Type": "none", "Config": {}}, daemon) == {"Type": "none", "Config": {}}
    assert merge_log_config({"Type": "json-file"}, {"Type": "none", "Config": {}}) == {"Type": "json-file", "Config": {}}
