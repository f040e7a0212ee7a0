"""Schema-driven fuzzing of the Engine API against a real daemon (issue 12 §2).

Hypothesis draws requests from what the daemon serves: the routes below and, for the bodies,
the Engine API's Go types the daemon validates against (`api/bodies/engine_types`). A body is
well typed, or well typed but for one field replaced by arbitrary JSON, or arbitrary JSON, or
raw bytes that are barely JSON; query values are text, flags, filters or broken escapes. Every
case must be answered (no dropped connection) with a status below 500, and the daemon must
answer `/_ping` after it. Nothing is started: created containers never run, so no bind source,
device or namespace on the host is touched.

`DOCKYARD_FUZZ_EXAMPLES` sets the number of cases (default 3000); the run is derandomized so
that CI is repeatable; set `DOCKYARD_FUZZ_SEED` to explore other cases.
"""

import json
import os
import string
import time
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, seed, settings, strategies as st

from dockyard.api.bodies import engine_types as T
from dockyard.api.bodies.gotypes import Array, Int, Map, Scalar, Slice, StrSlice, Struct
from tests.support.busybox import import_busybox
from tests.support.daemon import Daemon
from tests.support.raw_http import exchange

pytestmark = pytest.mark.root

EXAMPLES = int(os.environ.get("DOCKYARD_FUZZ_EXAMPLES", "3000"))
SEED = os.environ.get("DOCKYARD_FUZZ_SEED")
CONTAINER, NETWORK, VOLUME = "fuzz-target", "fuzz-net", "fuzz-vol"

WORDS = ["", "busybox", "none", "host", "bridge", "default", "always", "no", "on-failure", "tcp", "80/tcp",
         "a:b", "v:/data", "/x", "..", "json-file", "local", "tmpfs", "bind", "volume", "private",
         "container:" + CONTAINER, CONTAINER, NETWORK, VOLUME, "é", "\x00", "a" * 300]
text = st.sampled_from(WORDS) | st.text(string.printable + "é\x00", max_size=16)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2 ** 70), 2 ** 70) | st.floats(allow_nan=False) | text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3), max_leaves=8)


def well_typed(go_type):
    """Values of a Go type as the API describes it (an absent field and null included)."""
    if isinstance(go_type, Struct):
        return st.fixed_dictionaries({}, optional={k: well_typed(v) for k, v in go_type.fields.items()})
    if isinstance(go_type, Scalar):
        return st.booleans() if go_type.python is bool else text
    if isinstance(go_type, Int):
        low, high = (-(1 << (go_type.bits - 1)), (1 << (go_type.bits - 1)) - 1) if go_type.signed else (0, (1 << go_type.bits) - 1)
        return st.sampled_from([0, 1, -1 if go_type.signed else 2, low, high, 6 * 1024 * 1024]) | st.integers(low, high)
    if isinstance(go_type, StrSlice):
        return text | st.lists(text, max_size=3)
    if isinstance(go_type, Array):
        return st.lists(well_typed(go_type.elem), min_size=go_type.size, max_size=go_type.size)
    if isinstance(go_type, Slice):
        return st.lists(well_typed(go_type.elem), max_size=2)
    if isinstance(go_type, Map):
        return st.dictionaries(text, well_typed(go_type.elem), max_size=2)
    return json_values


def _replace_somewhere(value, replacement, path: list[int]):
    """`value` with one of its fields (chosen by `path`) replaced by `replacement`."""
    if isinstance(value, dict) and value and path:
        key = sorted(value)[path[0] % len(value)]
        return {**value, key: _replace_somewhere(value[key], replacement, path[1:])}
    return replacement


def body_of(go_type, base: dict):
    """`base` (what a useful body has: an image, a name) under most well-typed bodies, so that
    they get past the first checks to the ones behind."""
    typed = st.one_of(well_typed(go_type), well_typed(go_type).map(lambda v: {**base, **v}),
                      well_typed(go_type).map(lambda v: {**v, **base}))
    return st.one_of(
        typed.map(json.dumps),
        st.builds(_replace_somewhere, typed, json_values, st.lists(st.integers(0, 50), max_size=4)).map(json.dumps),
        st.builds(lambda v, k: json.dumps({**v, k: v.get(k)} if isinstance(v, dict) else v), typed, text),
        json_values.map(json.dumps),
        st.sampled_from(['{"Image": NaN}', '{"Memory": 1e400}', "[" * 20_000, '{"a":', "\x00", '{"Image":"busybox"} x']),
    ).map(lambda body: body.encode("utf-8", "surrogatepass"))


QUERY_VALUE = text.map(quote) | st.sampled_from(["1", "0", "true", "false", "%zz", "%", "a;b", "%00", "-1", "99999999999999999999"])
FILTERS = st.dictionaries(st.sampled_from(["label", "label!", "until", "dangling", "name", "status", "id", "x", "all",
                                           "driver", "before", "reference", "type"]),
                          st.lists(text, max_size=2), max_size=2).map(lambda f: quote(json.dumps(f)))
NAME = st.sampled_from([CONTAINER, NETWORK, VOLUME, "busybox", "missing"]) | text.map(lambda t: quote(t, safe=""))

# (method, path, (body type, base body), query parameters): what hypothesis may send. Routes that start,
# attach, stream without end, pull or push are left out (they act on the host or the network).
ROUTES = [
    ("POST", "/containers/create", (T.CONTAINER_CREATE, {"Image": "busybox"}), ["name", "platform"]),
    ("POST", "/containers/{name}/update", (T.CONTAINER_UPDATE, {}), []),
    ("POST", "/containers/{name}/exec", (T.EXEC_CREATE, {"Cmd": ["true"]}), []),
    ("POST", "/networks/create", (T.NETWORK_CREATE, {"Name": "fuzz-created"}), []),
    ("POST", "/networks/{name}/connect", (T.NETWORK_CONNECT, {"Container": CONTAINER}), []),
    ("POST", "/networks/{name}/disconnect", (T.NETWORK_DISCONNECT, {"Container": CONTAINER}), []),
    ("POST", "/volumes/create", (T.VOLUME_CREATE, {}), []),
    ("POST", "/commit", (T.CONFIG, {}), ["container", "repo", "tag", "changes", "pause"]),
    ("GET", "/containers/json", None, ["all", "limit", "size", "filters"]),
    ("POST", "/containers/prune", None, ["filters"]),
    ("GET", "/containers/{name}/json", None, ["size"]),
    ("GET", "/containers/{name}/logs", None, ["stdout", "stderr", "tail", "since", "until", "timestamps"]),
    ("GET", "/containers/{name}/top", None, ["ps_args"]),
    ("GET", "/containers/{name}/changes", None, []),
    ("HEAD", "/containers/{name}/archive", None, ["path"]),
    ("GET", "/containers/{name}/archive", None, ["path"]),
    ("POST", "/containers/{name}/rename", None, ["name"]),
    ("POST", "/containers/{name}/stop", None, ["t", "signal"]),
    ("POST", "/containers/{name}/kill", None, ["signal"]),
    ("POST", "/containers/{name}/resize", None, ["h", "w"]),
    ("DELETE", "/containers/{name}", None, ["force", "v"]),
    ("GET", "/images/json", None, ["all", "filters", "digests"]),
    ("POST", "/images/prune", None, ["filters"]),
    ("GET", "/images/{name}/json", None, []),
    ("GET", "/images/{name}/history", None, []),
    ("POST", "/images/{name}/tag", None, ["repo", "tag"]),
    ("GET", "/networks", None, ["filters"]),
    ("GET", "/networks/{name}", None, ["verbose", "scope"]),
    ("POST", "/networks/prune", None, ["filters"]),
    ("DELETE", "/networks/{name}", None, []),
    ("GET", "/volumes", None, ["filters"]),
    ("GET", "/volumes/{name}", None, []),
    ("POST", "/volumes/prune", None, ["filters"]),
    ("DELETE", "/volumes/{name}", None, ["force"]),
    ("GET", "/exec/{name}/json", None, []),
    ("POST", "/build/prune", None, ["filters", "all"]),
    ("GET", "/system/df", None, []),
    ("GET", "/info", None, []),
    ("GET", "/version", None, []),
]


@st.composite
def requests(draw) -> bytes:
    method, path, body, params = draw(st.sampled_from(ROUTES))
    prefix = draw(st.sampled_from(["", "/v1.41", "/v1.44", "/v1.24"]))
    target = prefix + path.replace("{name}", draw(NAME))
    query = [f"{p}={draw(FILTERS if p == 'filters' else QUERY_VALUE)}" for p in params if draw(st.booleans())]
    if query:
        target += "?" + "&".join(query)
    head = [f"{method} {target} HTTP/1.1", "Host: fuzz"]
    body = draw(body_of(*body)) if body is not None else b""
    if body:
        head.append("Content-Type: " + draw(st.sampled_from(["application/json"] * 8 + ["text/plain", ""])))
        head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode("utf-8") + body


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    daemon = Daemon(tmp_path_factory.mktemp("fuzz"), "fuzz").start()
    import_busybox(daemon)
    daemon.docker("create", "--name", CONTAINER, "busybox", "true")
    daemon.docker("network", "create", NETWORK)
    daemon.docker("volume", "create", VOLUME)
    yield daemon
    for container in daemon.docker("ps", "-aq").stdout.split():
        daemon.docker("rm", "-f", container, check=False)
    for network in daemon.docker("network", "ls", "-q", "--filter", "type=custom").stdout.split():
        daemon.docker("network", "rm", network, check=False)
    assert daemon.stop() == 0, daemon.log()


CASES = []


def test_api_fuzz(fuzzed):
    started = time.monotonic()

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=SEED is None,
              suppress_health_check=list(HealthCheck))
    @given(requests())
    def case(raw):
        CASES.append(raw)
        answer = exchange(str(fuzzed.socket), raw, timeout=60)
        assert answer.status is not None, f"dropped connection on {raw[:300]!r}"
        assert answer.status < 500, f"{answer.status} {answer.body[:300]!r} on {raw[:300]!r}"
        assert exchange(str(fuzzed.socket), b"GET /_ping HTTP/1.1\r\nHost: fuzz\r\n\r\n").status == 200

    if SEED is not None:
        case = seed(int(SEED))(case)
    case()
    print(f"\napi fuzz: {len(CASES)} cases in {time.monotonic() - started:.0f} s")
    assert len(CASES) >= min(EXAMPLES, 100)
