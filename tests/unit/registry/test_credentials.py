import base64
import json

import pytest

from dockyard.errors import InvalidArgument
from dockyard.registry.credentials import (ANONYMOUS, Credentials, decode_config_header, decode_header, for_domain,
                                          from_auth_config)


def _header(config: dict, padded: bool = True) -> str:
    encoded = base64.urlsafe_b64encode(json.dumps(config).encode()).decode()
    return encoded if padded else encoded.rstrip("=")


def test_empty_object_and_missing_header_are_anonymous():
    assert decode_header("e30=") == ANONYMOUS and decode_header(None).anonymous
    assert decode_header("").anonymous


def test_username_password_and_server_in_base64url_with_or_without_padding():
    config = {"username": "tester", "password": "p?>~~", "serveraddress": "127.0.0.1:5000"}
    expected = Credentials("tester", "p?>~~", server="127.0.0.1:5000")
    assert decode_header(_header(config)) == expected
    assert decode_header(_header(config, padded=False)) == expected


def test_auth_field_and_tokens():
    pair = base64.b64encode(b"me:pw:with:colons").decode()
    assert from_auth_config({"auth": pair}) == Credentials("me", "pw:with:colons")
    assert from_auth_config({"identitytoken": "refresh"}).identity_token == "refresh"
    assert not from_auth_config({"registrytoken": "tok"}).anonymous


def test_malformed_headers_are_invalid_arguments():
    with pytest.raises(InvalidArgument):
        decode_header("not base64 json!")
    with pytest.raises(InvalidArgument):
        decode_header(_header(["a", "list"]))  # type: ignore[arg-type]


def test_build_config_header_maps_registries_to_credentials():
    configs = {"https://index.docker.io/v1/": {"username": "hub", "password": "p"},
               "127.0.0.1:5000": {"username": "local", "password": "q"}}
    auths = decode_config_header(_header(configs, padded=False))
    assert for_domain(auths, "docker.io").username == "hub"
    assert for_domain(auths, "127.0.0.1:5000").username == "local"
    assert for_domain(auths, "example.test") == ANONYMOUS and decode_config_header("e30=") == {}
    with pytest.raises(InvalidArgument, match="X-Registry-Config"):
        decode_config_header("not base64!")
