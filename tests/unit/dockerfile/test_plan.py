import pytest

from dockyard.dockerfile.build_args import BuildArgs, expansion_env
from dockyard.dockerfile.cache_keys import step_key
from dockyard.dockerfile.metadata import Expander, apply_metadata, parse_duration
from dockyard.dockerfile.parser import parse
from dockyard.dockerfile.plan import plan_build
from dockyard.dockerfile.shell_words import ShellLex
from dockyard.errors import InvalidArgument

MULTI = "ARG V=1\nFROM busybox AS base\nRUN a\nFROM base AS final\nCOPY --from=base /x /y\nFROM final AS extra\nRUN b\n"


def test_stages_steps_and_target():
    plan = plan_build(parse(MULTI))
    assert [s.name for s in plan.stages] == ["base", "final", "extra"]
    assert plan.total_steps == 7
    targeted = plan_build(parse(MULTI), target="final")
    assert [s.name for s in targeted.stages] == ["base", "final"] and targeted.total_steps == 5
    assert targeted.stage_named("BASE", 1).index == 0
    assert targeted.stage_named("0", 1).name == "base"
    assert targeted.stage_named("final", 1) is None   # not built before stage 1


def test_labels_become_one_last_step():
    plan = plan_build(parse("FROM busybox\n"), labels={"b": "2", "a": "it's"})
    step = plan.stages[-1].instructions[-1]
    assert step.original == "LABEL a=it's b=2" and plan.total_steps == 2
    config = {}
    apply_metadata(config, step, _expander({}), {})
    assert config["Labels"] == {"a": "it's", "b": "2"}   # single-quoted: never expanded


@pytest.mark.parametrize("text, message", [
    ("RUN x\nFROM busybox\n", "no build stage"),
    ("FROM a AS x\nFROM b AS x\n", "duplicate name x"),
    ("FROM a AS 1x\n", "invalid name for build stage"),
])
def test_plan_errors(text, message):
    with pytest.raises(InvalidArgument, match=message):
        plan_build(parse(text))


def test_unknown_target():
    with pytest.raises(InvalidArgument, match="failed to reach build target nope"):
        plan_build(parse(MULTI), target="nope")


def test_build_args_meta_defaults_overrides_env_and_proxies():
    args = BuildArgs({"V": "given", "HTTP_PROXY": "http://p", "UNUSED": "1"})
    args.declare_meta("V", "meta-default")
    args.declare_meta("M", "meta")
    declared: dict = {}
    args.declare(declared, "M", None)          # a bare ARG re-imports the meta value
    args.declare(declared, "V", "stage-default")
    args.declare(declared, "S", None)          # declared without a value: unset
    assert declared == {"M": "meta", "V": "given", "S": None}
    assert args.in_effect(declared, ["V=from-env"]) == {"M": "meta", "HTTP_PROXY": "http://p"}
    assert args.history_args(declared, []) == ["M=meta", "V=given"]   # proxies stay out of history
    assert args.unconsumed() == ["UNUSED"]
    assert expansion_env(["V=env"], {"V": "arg", "M": "m"}) == {"V": "env", "M": "m"}


def _expander(env):
    lex = ShellLex()
    return Expander(lambda t: lex.expand_word(t, env), lambda t: lex.expand_words(t, env))


def _apply(config, line, env=None, state=None):
    instruction = parse("FROM x\n" + line).instructions[1]
    return apply_metadata(config, instruction, _expander(env or {}), state if state is not None else {})


def test_metadata_instructions_change_the_config_like_docker():
    config = {"Env": ["PATH=/bin"], "Cmd": ["sh"]}
    assert _apply(config, "ENV A=1 B=$A PATH=/x:$PATH", {"A": "old", "PATH": "/bin"}) == "ENV A=1 B=old PATH=/x:/bin"
    assert config["Env"] == ["A=1", "B=old", "PATH=/x:/bin"]
    _apply(config, "WORKDIR /app")
    _apply(config, "WORKDIR sub")
    assert config["WorkingDir"] == "/app/sub"
    assert _apply(config, "EXPOSE 80 53/udp 8000-8001") == "EXPOSE 53/udp 80 8000-8001"  # sorted, as dockerd
    assert set(config["ExposedPorts"]) == {"80/tcp", "53/udp", "8000/tcp", "8001/tcp"}
    assert _apply(config, 'VOLUME ["/data", "/logs"]') == "VOLUME [/data /logs]"   # Go's %v
    assert config["Volumes"] == {"/data": {}, "/logs": {}}
    assert _apply(config, 'SHELL ["/bin/ash", "-eo"]') == "SHELL [/bin/ash -eo]"
    assert _apply(config, "CMD run me") == 'CMD ["/bin/ash" "-eo" "run me"]'
    state: dict = {}
    _apply(config, 'ENTRYPOINT ["tini"]', state=state)
    assert config["Entrypoint"] == ["tini"] and config["Cmd"] is None   # base CMD dropped
    comment = _apply(config, "HEALTHCHECK --interval=1m30s --retries=2 CMD true")
    assert config["Healthcheck"] == {"Test": ["CMD-SHELL", "true"], "Interval": 90_000_000_000, "Retries": 2}
    assert comment == """HEALTHCHECK &{["CMD-SHELL" "true"] "1m30s" "0s" "0s" '\\x02'}"""   # dockerd's %q of the struct
    _apply(config, "ONBUILD RUN echo hi")
    assert config["OnBuild"] == ["RUN echo hi"]
    _apply(config, "USER ${U:-nobody}")
    assert config["User"] == "nobody"


def test_durations():
    assert parse_duration("500ms", "timeout") == 500_000_000
    with pytest.raises(InvalidArgument, match="invalid duration"):
        parse_duration("5 s", "timeout")


def test_cache_keys_depend_on_parent_instruction_and_options():
    base = step_key("sha256:p", "/bin/sh -c #(nop) COPY file:1 in /a ", {"chown": ""})
    assert base == step_key("sha256:p", "/bin/sh -c #(nop) COPY file:1 in /a ", {"chown": ""})
    assert base != step_key("sha256:q", "/bin/sh -c #(nop) COPY file:1 in /a ", {"chown": ""})
    assert base != step_key("sha256:p", "/bin/sh -c #(nop) COPY file:2 in /a ", {"chown": ""})
    assert base != step_key("sha256:p", "/bin/sh -c #(nop) COPY file:1 in /a ", {"chown": "1"})


def test_go_durations_as_dockerds_history_prints_them():
    from dockyard.dockerfile.metadata import go_duration
    cases = {0: "0s", 5_000_000_000: "5s", 90_000_000_000: "1m30s", 3_600_000_000_000: "1h0m0s",
             1_500_000_000: "1.5s", 500_000_000: "500ms", 1_500: "1.5µs", 7: "7ns"}
    assert {ns: go_duration(ns) for ns in cases} == cases
