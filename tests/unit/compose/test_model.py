import pytest

from dockyard.compose.model import load_project
from dockyard.compose.model.durations import duration_ns
from dockyard.compose.model.interpolate import parse_env_file, substitute
from dockyard.compose.model.load import find_files, normalize_name
from dockyard.compose.model.types import Dependency, Mount, Port
from dockyard.errors import InvalidArgument, NotFound


def load(files: dict[str, str], environ=None, **kwargs):
    def read(path):
        if path not in files:
            raise FileNotFoundError(path)
        return files[path]
    names = [p for p in files if p.endswith((".yml", ".yaml")) and "override" not in p]
    return load_project(kwargs.pop("order", names), read, environ or {}, **kwargs)


def test_interpolation_forms():
    env = {"SET": "v", "EMPTY": ""}
    assert substitute("${SET} $SET $$SET ${UNSET:-d} ${EMPTY:-d} ${EMPTY-d} ${SET:+alt} ${UNSET+alt}", env) == \
        "v v $SET d d  alt "
    assert substitute("${UNSET:-${SET}-x}", env) == "v-x"
    with pytest.raises(InvalidArgument, match="required variable UNSET is missing a value: say it"):
        substitute("${UNSET:?say it}", env)
    with pytest.raises(InvalidArgument, match="invalid interpolation"):
        substitute("${SET", env)


def test_env_file_format():
    text = "# comment\nexport A=1\nB='lit $x'\nC=\"two\\nlines\"\nD=plain # trailing\nBARE\n\n"
    assert parse_env_file(text) == {"A": "1", "B": "lit $x", "C": "two\nlines", "D": "plain"}
    with pytest.raises(InvalidArgument, match="invalid variable name"):
        parse_env_file("1X=2")


def test_durations():
    assert duration_ns("1m30s") == 90_000_000_000
    assert duration_ns("500ms") == 500_000_000
    assert duration_ns(2) == 2_000_000_000
    with pytest.raises(InvalidArgument):
        duration_ns("5 minutes")


def test_project_name_from_directory_flag_env_and_file():
    files = {"/srv/My App/compose.yaml": "services: {web: {image: busybox}}"}
    assert load(files).name == "myapp"
    assert load(files, {"COMPOSE_PROJECT_NAME": "fromenv"}).name == "fromenv"
    assert load(files, project_name="Flag").name == "flag"
    named = {"/srv/x/compose.yaml": "name: named\nservices: {web: {image: busybox}}"}
    assert load(named).name == "named"
    with pytest.raises(InvalidArgument):
        normalize_name("__")


def test_services_normalised():
    files = {"/p/compose.yaml": """
services:
  web:
    image: "nginx:${TAG:-1.25}"
    command: sh -c 'echo "a b"'
    entrypoint: ["/bin/sh", "-c"]
    environment: [A=1, FROM_SHELL, MISSING]
    env_file: web.env
    labels: {tier: front}
    ports: ["80", "8080:80", "127.0.0.1:8443:443/udp", "9000-9001:9000-9001",
            {target: 53, published: 5353, protocol: udp}]
    volumes: ["data:/data:ro", "./site:/site", "/anon", {type: tmpfs, target: /tmp}]
    depends_on: {db: {condition: service_healthy}}
    healthcheck: {test: "wget -q localhost", interval: 2s, retries: 5}
    restart: unless-stopped
    stop_grace_period: 1m
  db:
    image: busybox
    healthcheck: {disable: true}
volumes:
  data:
""", "/p/web.env": "A=from-file\nB=2\n", "/p/.env": "TAG=1.27\n"}
    project = load(files, {"FROM_SHELL": "sh"})
    web = project.services["web"]
    assert web.image == "nginx:1.27"
    assert web.command == ["sh", "-c", 'echo "a b"']
    assert web.entrypoint == ["/bin/sh", "-c"]
    assert web.environment == {"A": "1", "B": "2", "FROM_SHELL": "sh"}
    assert web.ports == [Port(80), Port(80, "8080"), Port(443, "8443", "127.0.0.1", "udp"), Port(9000, "9000"),
                         Port(9001, "9001"), Port(53, "5353", "", "udp")]
    assert web.volumes == [Mount("volume", "/data", "data", True), Mount("bind", "/site", "/p/site"),
                           Mount("volume", "/anon"), Mount("tmpfs", "/tmp")]
    assert web.depends_on == [Dependency("db", "service_healthy")]
    assert web.healthcheck.test == ["CMD-SHELL", "wget -q localhost"]
    assert (web.healthcheck.interval, web.healthcheck.retries) == (2_000_000_000, 5)
    assert (web.restart, web.stop_grace_period) == ("unless-stopped", 60)
    assert project.services["db"].healthcheck_disabled
    assert project.volumes["data"].name == "p_data"
    assert project.networks["default"].name == "p_default"


def test_override_files_merge():
    files = {"/p/compose.yaml": """
services:
  web:
    image: busybox
    command: [one]
    environment: {A: "1", B: "1"}
    ports: ["80:80"]
    volumes: ["./a:/data"]
""", "/p/compose.override.yaml": """
services:
  web:
    command: [two]
    environment: [B=2, C=3]
    ports: ["81:81"]
    volumes: ["./b:/data"]
"""}
    project = load(files, order=["/p/compose.yaml", "/p/compose.override.yaml"])
    web = project.services["web"]
    assert web.command == ["two"]
    assert web.environment == {"A": "1", "B": "2", "C": "3"}
    assert [p.target for p in web.ports] == [80, 81]
    assert web.volumes == [Mount("bind", "/data", "/p/b")]


def test_profiles_and_errors():
    files = {"/p/compose.yaml": "services: {web: {image: a}, debug: {image: b, profiles: [dev]}}"}
    assert list(load(files).services) == ["web"]
    assert list(load(files, profiles=("dev",)).services) == ["web", "debug"]
    for bad, message in (("services: {web: {}}", "neither an image"),
                         ("services: {web: {image: a, volumes: ['nope:/x']}}", "undefined volume nope"),
                         ("services: {web: {image: a, depends_on: [db]}}", "undefined service db"),
                         ("services: {web: {image: a, colour: red}}", "validating /p/compose.yaml: services.web.colour false schema"),
                         ("services: {web: {image: a, networks: [back]}}", "undefined network back")):
        with pytest.raises(InvalidArgument, match=message):
            load({"/p/compose.yaml": bad})


def test_find_files_walks_up_and_picks_the_override():
    present = {"/a/docker-compose.yml", "/a/docker-compose.override.yml"}
    assert find_files("/a/b/c", present.__contains__) == ["/a/docker-compose.yml", "/a/docker-compose.override.yml"]
    with pytest.raises(NotFound):
        find_files("/x", present.__contains__)


def test_build_short_and_long_syntax():
    files = {"/p/compose.yaml": """
services:
  app: {build: ./app}
  tool:
    image: registry.local/tool:2
    build: {context: tools, dockerfile: Dockerfile.dev, args: [VERSION=1, FROM_ENV], target: final}
"""}
    project = load(files, {"FROM_ENV": "x"})
    app, tool = project.services["app"], project.services["tool"]
    assert (app.image, app.build.context, app.build.dockerfile) == ("p-app", "/p/app", "Dockerfile")
    assert tool.image == "registry.local/tool:2"
    assert (tool.build.context, tool.build.dockerfile, tool.build.target) == ("/p/tools", "Dockerfile.dev", "final")
    assert dict(tool.build.args) == {"VERSION": "1", "FROM_ENV": "x"}
