"""Request bodies read as dockerd 20.10 reads them: each expected message below is dockerd's
answer to the same body, taken on this machine."""

import json

import pytest
from hypothesis import given, settings, strategies as st

from dockyard.api.bodies import engine_types as T
from dockyard.api.bodies.gojson import EMPTY, GoSyntaxError, Number, loads
from dockyard.api.bodies.gotypes import GoTypeError, decode


@pytest.mark.parametrize("body, message", [
    (b'{"Name":"vg",}', "invalid character '}' looking for beginning of object key string"),
    (b'{"Name" "vg"}', "invalid character '\"' after object key"),
    (b'{"Name":"vg"', "unexpected EOF"),
    (b'{"Name":NaN}', "invalid character 'N' looking for beginning of value"),
    (b"-Infinity", "invalid character 'I' in numeric literal"),
    (b'{"Name":1.}', "invalid character '}' after decimal point in numeric literal"),
    (b'{"Name":1e+}', "invalid character '}' in exponent of numeric literal"),
    (b'{"Name":tru}', "invalid character '}' in literal true (expecting 'e')"),
    (b'{"Name":"a\x01"}', "invalid character '\\x01' in string literal"),
    (b'{"Name":"a\\x"}', "invalid character 'x' in string escape code"),
    (b'{"Name":"\\u12g4"}', "invalid character 'g' in \\u hexadecimal character escape"),
    (b"[1,]", "invalid character ']' looking for beginning of value"),
    (b"[1 2]", "invalid character '2' after array element"),
    (b'{"a":1 "b":2}', "invalid character '\"' after object key:value pair"),
    (b'{"Name":01}', "invalid character '1' after object key:value pair"),
    (b"{\"Name\":'x'}", "invalid character '\\'' looking for beginning of value"),
    (b"\xff", "invalid character '\u00ff' looking for beginning of value"),
    (b"[" * 10_001 + b"]" * 10_001, "invalid character '[' exceeded max depth"),
    (b"[" * 50_000, "invalid character '[' exceeded max depth"),
])
def test_syntax_errors_in_gos_words(body, message):
    with pytest.raises(GoSyntaxError) as raised:
        loads(body)
    assert raised.value.message == message


def test_what_go_reads():
    assert loads(b'  {"a": [1, 2.5, "x", null, true]} trailing garbage') == {"a": [1, 2.5, "x", None, True]}
    assert loads(b" \n ") is EMPTY
    deep = loads(b"[" * 5000 + b"]" * 5000)  # deeper than Python's decoder recurses, within Go's limit
    depth = 0
    while deep:
        deep, depth = deep[0], depth + 1
    assert depth == 4999
    big = loads(b'{"n": 1e400}')["n"]
    assert isinstance(big, Number) and big.literal == "1e400"


@pytest.mark.parametrize("body_type, body, message", [
    (T.CONTAINER_CREATE, '{"Image": 123}', "ContainerConfigWrapper.Image of type string"),
    (T.CONTAINER_CREATE, '{"Cmd": [1]}', "unmarshal array into Go struct field ContainerConfigWrapper.Cmd of type string"),
    (T.CONTAINER_CREATE, '{"HostConfig": "x"}', "ContainerConfigWrapper.HostConfig of type container.HostConfig"),
    (T.CONTAINER_CREATE, '{"ExposedPorts": {"80/tcp": 1}}', "ContainerConfigWrapper.ExposedPorts of type struct {}"),
    (T.CONTAINER_CREATE, '{"Env": [1, 2]}', "number into Go struct field ContainerConfigWrapper.Env of type string"),
    (T.CONTAINER_CREATE, '{"Mounts": "x"}', "ContainerConfigWrapper.Mounts of type []mount.Mount"),
    (T.CONTAINER_CREATE, '{"HostConfig": {"RestartPolicy": "always"}}',
     "HostConfig.HostConfig.RestartPolicy of type container.RestartPolicy"),
    (T.CONTAINER_CREATE, '{"hostconfig": {"memory": "x"}}', "HostConfig.HostConfig.Memory of type int64"),
    (T.CONTAINER_CREATE, '{"HostConfig": {"Memory": 1e400}}', "number 1e400 into Go struct field HostConfig.HostConfig.Memory"),
    (T.CONTAINER_CREATE, '{"HostConfig": {"Memory": 1.5}}', "number 1.5 into Go struct field HostConfig.HostConfig.Memory"),
    (T.CONTAINER_CREATE, '{"HostConfig": {"BlkioWeight": 70000}}', "number 70000 into Go struct field HostConfig.HostConfig.BlkioWeight of type uint16"),
    (T.CONTAINER_CREATE, '{"HostConfig": {"ConsoleSize": [-1, 2]}}', "number -1 into Go struct field HostConfig.HostConfig.ConsoleSize of type uint"),
    (T.CONTAINER_CREATE, '{"HostConfig": {"PortBindings": {"80/tcp": [{"HostPort": 5}]}}}',
     "PortBinding.HostConfig.PortBindings.HostPort of type string"),
    (T.CONTAINER_CREATE, '{"HostConfig": {"Mounts": [{"TmpfsOptions": {"Mode": "x"}}]}}',
     "TmpfsOptions.HostConfig.Mounts.TmpfsOptions.Mode of type fs.FileMode"),
    (T.CONTAINER_CREATE, '{"NetworkingConfig": {"EndpointsConfig": {"n": {"IPAMConfig": {"IPv4Address": 5}}}}}',
     "EndpointIPAMConfig.NetworkingConfig.EndpointsConfig.IPAMConfig.IPv4Address of type string"),
    (T.CONTAINER_CREATE, '{"Healthcheck": {"Interval": "1s"}}', "HealthConfig.Healthcheck.Interval of type time.Duration"),
    (T.CONTAINER_CREATE, '[1]', "unmarshal array into Go value of type runconfig.ContainerConfigWrapper"),
    (T.CONTAINER_UPDATE, '{"RestartPolicy": {"MaximumRetryCount": "x"}}', "RestartPolicy.RestartPolicy.MaximumRetryCount of type int"),
    (T.NETWORK_CREATE, '{"IPAM": {"Config": [{"Subnet": 5}]}}', "IPAMConfig.IPAM.Config.Subnet of type string"),
    (T.NETWORK_CONNECT, '{"Container": "c", "EndpointConfig": "x"}', "NetworkConnect.EndpointConfig of type network.EndpointSettings"),
    (T.VOLUME_CREATE, '"x"', "unmarshal string into Go value of type volume.VolumeCreateBody"),
    (T.EXEC_CREATE, '{"Cmd": "ls"}', "ExecConfig.Cmd of type []string"),
    (T.AUTH_CONFIG, '{"username": 5}', "AuthConfig.username of type string"),
])
def test_type_errors_in_gos_words(body_type, body, message):
    with pytest.raises(GoTypeError) as raised:
        decode(loads(body.encode()), body_type)
    assert raised.value.message.startswith("json: cannot unmarshal ") and message in raised.value.message


def test_first_error_in_document_order():
    body = b'{"HostConfig": {"Memory": "abc"}, "Tty": "a"}'
    with pytest.raises(GoTypeError, match="HostConfig.HostConfig.Memory"):
        decode(loads(body), T.CONTAINER_CREATE)


def test_decoded_bodies_are_canonical():
    body = {"image": "busybox", "cmd": "true", "Unknown": {"deep": [1]}, "Labels": None,
            "HostConfig": {"consolesize": [1, 2, 3], "CapAdd": "NET_ADMIN", "Binds": ["v:/x", None]}}
    assert decode(body, T.CONTAINER_CREATE) == {
        "Image": "busybox", "Cmd": ["true"],
        "HostConfig": {"ConsoleSize": [1, 2], "CapAdd": ["NET_ADMIN"], "Binds": ["v:/x", ""]}}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=20)


@settings(max_examples=300)
@given(json_values)
def test_reads_what_python_writes(value):
    assert loads(json.dumps(value).encode()) == value


@settings(max_examples=300)
@given(json_values)
def test_any_body_decodes_or_is_refused_in_words(value):
    try:
        decoded = decode(value, T.CONTAINER_CREATE)
    except GoTypeError as err:
        assert err.message.startswith("json: cannot unmarshal ")
    else:
        assert decoded is None or isinstance(decoded, dict)
