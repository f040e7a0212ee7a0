"""Compose files as compose v2 reads them: YAML 1.2, merge keys, !reset/!override, the schema's
errors in compose v2's words, casts of interpolated values, extends, include, secrets and configs."""

import pytest

from dockyard.compose.model import load_project
from dockyard.compose.model.types import FileObject, FileReference, Mount
from dockyard.errors import InvalidArgument


def load(files: dict[str, str], environ=None, order=None, **kwargs):
    def read(path):
        if path not in files:
            raise FileNotFoundError(path)
        return files[path]
    return load_project(order or ["/p/compose.yaml"], read, environ or {}, **kwargs)


def test_yaml_1_2_scalars_anchors_and_merge_keys():
    proj = load({"/p/compose.yaml": """
x-base: &base
  image: busybox
  environment: {A: "1"}
services:
  web:
    <<: *base
    ports: [22:22]
    environment: {DEBUG: no, OCT: 010, E: 1e3, F: 1.50}
  other:
    <<: [*base]
"""})
    web = proj.services["web"]
    assert [(p.target, p.published) for p in web.ports] == [(22, "22")]  # YAML 1.1: the integer 1342
    assert web.environment == {"DEBUG": "no", "OCT": "8", "E": "1000", "F": "1.5"}  # not false; 010 is octal as in Go
    assert web.image == proj.services["other"].image == "busybox"
    assert proj.services["other"].environment == {"A": "1"}


def test_reset_and_override_tags_across_files():
    proj = load({"/p/compose.yaml": "services: {web: {image: a, command: [x], ports: ['80'], environment: {A: '1'}}}",
                 "/p/second.yaml": "services:\n  web:\n    command: !reset null\n    ports: !override ['81']\n"},
                order=["/p/compose.yaml", "/p/second.yaml"])
    web = proj.services["web"]
    assert web.command is None
    assert [p.target for p in web.ports] == [81]
    assert web.environment == {"A": "1"}


@pytest.mark.parametrize("text, message", [
    ("services: {web: {image: busybox, ports: [[1]]}}", "services.web.ports.0 must be a number"),
    ("services: {web: {image: busybox, foo: 1}}", "services.web.foo false schema"),
    ("services: {web: {image: 3}}", "services.web.image must be a string"),
    ("foo: 1", " additional properties 'foo' not allowed"),
    ("services: {web: [1]}", "services.web must be a mapping"),
    ("services: {web: {image: a, build: {context: ., foo: 1, bar: 2}}}",
     "services.web.build additional properties 'bar', 'foo' not allowed"),
    ("services: {web: {image: a, restart: 5}}", "services.web.restart must be a string"),
    ("services: {web: {image: a, networks: [x, x]}}", "services.web.networks items at 0 and 1 are equal"),
    ("services: {web: {image: a, pull_policy: sometimes}}", "services.web.pull_policy 'sometimes' does not match"),
])
def test_schema_errors_read_as_compose_v2_prints_them(text, message):
    with pytest.raises(InvalidArgument) as caught:
        load({"/p/compose.yaml": text})
    assert str(caught.value).startswith(f"validating /p/compose.yaml: {message}")


def test_interpolated_strings_are_cast_where_the_schema_wants_numbers_and_booleans():
    text = "services: {web: {image: a, tty: '${TTY}', ports: [{target: '${P}'}], scale: '${N}'}}"
    web = load({"/p/compose.yaml": text}, {"TTY": "true", "P": "80", "N": "2"}).services["web"]
    assert (web.tty, web.ports[0].target, web.scale) == (True, 80, 2)
    with pytest.raises(InvalidArgument, match="Error while interpolating services.web.ports.\\[\\].target"):
        load({"/p/compose.yaml": text}, {"TTY": "true", "P": "x", "N": "2"})


def test_extends_in_the_same_file_and_from_another_with_its_own_paths():
    proj = load({
        "/p/compose.yaml": """
services:
  base: {image: busybox, environment: {A: "1"}, command: [sleep, "1"]}
  web:
    extends: base
    environment: {B: "2"}
  api:
    extends: {file: lib/common.yaml, service: common}
    command: [serve]
""",
        "/p/lib/common.yaml": """
services:
  root: {image: alpine, volumes: ["./data:/data"]}
  common:
    extends: root
    env_file: common.env
""",
        "/p/lib/common.env": "FROM_FILE=yes\n"})
    web, api = proj.services["web"], proj.services["api"]
    assert (web.image, web.environment, web.command) == ("busybox", {"A": "1", "B": "2"}, ["sleep", "1"])
    assert (api.image, api.command) == ("alpine", ["serve"])
    assert api.volumes == [Mount("bind", "/data", "/p/lib/data")]  # relative to lib/, where it was written
    assert api.environment == {"FROM_FILE": "yes"}
    with pytest.raises(InvalidArgument, match='cannot extend service "web" in /p/compose.yaml: service "nope"'):
        load({"/p/compose.yaml": "services: {web: {image: a, extends: nope}}"})


def test_include_loads_another_project_from_its_directory_with_its_env():
    proj = load({
        "/p/compose.yaml": "include: [db/compose.yaml]\nservices: {web: {image: a, depends_on: [db]}}",
        "/p/db/compose.yaml": "services: {db: {image: 'postgres:${TAG}', volumes: ['./init:/init', 'data:/var']}}\n"
                              "volumes: {data: {}}",
        "/p/db/.env": "TAG=16\n"})
    db = proj.services["db"]
    assert db.image == "postgres:16"
    assert db.volumes[0] == Mount("bind", "/init", "/p/db/init")
    assert proj.volumes["data"].name == "p_data"
    cycle = {"/p/compose.yaml": "include: [b.yaml]\nservices: {}", "/p/b.yaml": "include: [compose.yaml]"}
    with pytest.raises(InvalidArgument, match="include cycle detected"):
        load(cycle)


def test_secrets_and_configs_from_files_environment_and_content():
    proj = load({"/p/compose.yaml": """
services:
  web:
    image: a
    secrets: [token, {source: api, target: key, uid: "100", mode: 0440}]
    configs: [cfg, {source: cfg, target: /etc/app.conf}]
secrets:
  token: {file: ./token.txt}
  api: {environment: API_KEY}
configs:
  cfg: {content: "hello"}
"""}, {"API_KEY": "s3cret"})
    web = proj.services["web"]
    assert web.secrets == [FileReference("token", "/run/secrets/token"),
                           FileReference("api", "/run/secrets/key", "100", "", 0o440)]
    assert [c.target for c in web.configs] == ["/cfg", "/etc/app.conf"]
    assert proj.secrets["token"] == FileObject("p_token", file="/p/token.txt")
    assert proj.secrets["api"].content == "s3cret"
    assert proj.configs["cfg"].content == "hello"
    with pytest.raises(InvalidArgument, match='service "web" refers to undefined secret nope'):
        load({"/p/compose.yaml": "services: {web: {image: a, secrets: [nope]}}"})


def test_variables_are_listed_before_interpolation():
    from dockyard.compose.model.interpolate import variables
    text = {"image": "busybox:${TAG:-latest}", "env": ["${PLAIN}", "${REQ:?need it}", "${ALT:+alt}",
                                                      "$$ESCAPED ${X-dash} $BARE"]}
    assert variables(text) == {"TAG": (False, "latest", ""), "PLAIN": (False, "", ""), "REQ": (True, "", ""),
                               "ALT": (False, "", "alt"), "X": (False, "dash", ""), "BARE": (False, "", "")}
