"""BuildKit's Dockerfile syntax, read as BuildKit's frontend reads it: heredocs, flags, RUN --mount
values, the syntax directive, platform ARGs and the stage graph (pure parts)."""

import pytest

from dockyard.dockerfile import heredoc, stage_graph
from dockyard.dockerfile.build_args import BuildArgs, platform_args
from dockyard.dockerfile.flags import split_flags
from dockyard.dockerfile.parser import parse
from dockyard.dockerfile.plan import plan_build
from dockyard.dockerfile.run_command import run_command
from dockyard.dockerfile.run_mounts import CACHE, SECRET, SSH, TMPFS, parse_mount, resolve
from dockyard.dockerfile.syntax import check_syntax
from dockyard.errors import InvalidArgument


def test_heredoc_words():
    assert heredoc.parse_word("<<EOF") == heredoc.Heredoc("EOF")
    assert heredoc.parse_word("<<-EOT").chomp
    assert not heredoc.parse_word("<<'EOF'").expand and not heredoc.parse_word('<<"EOF"').expand
    assert heredoc.parse_word("<<E'O'F").name == "EOF" and not heredoc.parse_word("<<E'O'F").expand
    assert heredoc.parse_word("2<<EOF").name == "EOF"
    for word in ("<<", "<EOF", "EOF", "<<<EOF", "a<<EOF"):
        assert heredoc.parse_word(word) is None, word


def test_heredoc_bodies_follow_their_line_in_order():
    df = parse("FROM busybox\nRUN <<A cat && <<-B cat\nfirst $X\nA\n\tsecond\n\tB\nCOPY <<'C' /c\n$KEPT\nC\n")
    run, copy = df.instructions[1:]
    assert [(d.name, d.content, d.text) for d in run.heredocs] == [("A", "first $X\n", "first $X\n"),
                                                                    ("B", "\tsecond\n", "second\n")]
    assert copy.args == ["<<'C'", "/c"] and copy.heredoc_named("<<'C'").content == "$KEPT\n"
    assert not copy.heredoc_named("<<'C'").expand
    assert heredoc.summary("line one\nline two\n") == "line one..."


def test_heredocs_only_open_in_shell_form_run_copy_add():
    df = parse('FROM busybox\nRUN ["sh", "-c", "cat <<EOF"]\nENV X=<<EOF\nRUN echo a<<b\n')
    assert all(not i.heredocs for i in df.instructions)
    with pytest.raises(InvalidArgument, match="line 2: unterminated heredoc"):
        parse("FROM busybox\nRUN <<EOF\nnever closed\n")


def test_run_heredoc_commands():
    config = {"Shell": ["/bin/bash", "-c"]}
    alone, script, with_words = parse("FROM b\nRUN <<EOF\necho hi\nEOF\nRUN <<EOF\n#!/usr/bin/env python3\nprint(1)\n"
                                      "EOF\nRUN <<EOF bash -e\nset -x\nEOF\n").instructions[1:]
    assert run_command(alone, config).argv == ["/bin/bash", "-c", "echo hi\n"]
    made = run_command(script, {})
    assert made.argv == ["/bin/sh", "-c", "/dev/pipes/EOF"] and made.script.content.startswith("#!/usr/bin/env")
    assert run_command(with_words, {}).argv == ["/bin/sh", "-c", "<<EOF bash -e\nset -x\nEOF"]


def test_flags_have_kinds():
    flags, rest = split_flags("COPY", '--link --exclude=*.md --exclude="a b" --from=x src dst', "\\")
    assert flags.values == {"link": "true", "from": "x"} and flags.lists == {"exclude": ["*.md", "a b"]}
    assert rest == "src dst"
    assert split_flags("COPY", "--link=false a b", "\\")[0].values == {"link": "false"}
    assert split_flags("RUN", "-- --not-a-flag", "\\")[1] == "--not-a-flag"
    for text, message in (("--from=a --from=b a b", "duplicate flag specified: --from"),
                          ("--link=maybe a b", "expecting boolean value for flag --link, not: maybe"),
                          ("--from a b", "missing a value on flag: --from"),
                          ("--network=none a b", "unknown flag: network")):
        with pytest.raises(InvalidArgument, match=message):
            split_flags("COPY", text, "\\")


def test_run_mount_values_with_buildkit_defaults():
    cache = resolve(parse_mount("type=cache,target=cache/dir"), "/work")
    assert (cache.type, cache.target, cache.read_only, cache.sharing) == (CACHE, "/work/cache/dir", False, "shared")
    assert cache.id == "cache/dir"                # BuildKit: the target as written, cleaned
    bind = parse_mount("source=src,target=/src,from=build")
    assert (bind.from_, bind.read_only) == ("build", True) and not parse_mount("target=/x,rw").read_only
    secret = resolve(parse_mount("type=secret,id=aws,required"), "/")
    assert (secret.type, secret.target, secret.required) == (SECRET, "/run/secrets/aws", True)
    assert resolve(parse_mount("type=secret,id=tok,env=TOKEN"), "/").target == ""
    assert resolve(parse_mount("type=ssh"), "/", ssh_index=1).target == "/run/buildkit/ssh_agent.1"
    tmpfs = parse_mount("type=tmpfs,target=/t,size=64m")
    assert (tmpfs.type, tmpfs.size) == (TMPFS, 64 << 20)
    assert parse_mount("type=ssh,mode=0600,uid=1000").mode == 0o600 and parse_mount("type=ssh").type == SSH
    assert parse_mount("type=cache,target=$DIR").target == ""        # expanded when the RUN is reached
    assert parse_mount("type=cache,target=$DIR", lambda word: word.replace("$DIR", "/d")).target == "/d"


@pytest.mark.parametrize(("value", "message"), [
    ("type=volume,target=/x", 'unsupported mount type "volume"'),
    ("type=bind,target=/x,sharing=locked", "invalid cache sharing set for bind mount"),
    ("type=cache,target=/x,sharing=everyone", 'unsupported sharing value "everyone"'),
    ("type=bind,target=/x,mode=0700", 'mode not allowed for "bind" type mounts'),
    ("type=secret,id=a,from=stage", "secret mount should not have a from"),
    ("type=secret,source=a,id=b", "both source and id can't be set"),
    ("type=ssh,source=x", "ssh does not support source"),
    ("type=bind,target=/x,required", "unexpected key 'required' for mount type 'bind'"),
    ("type=bind,target=/x,from=$STAGE", "'from' doesn't support variable expansion"),
    ("type=bind,target=/x,colour=red", "unexpected key 'colour' in 'colour=red'"),
    ("type=bind,target", "invalid field 'target' must be a key=value pair"),
    ("type=cache,target=/x,uid=-1", "invalid value -1 for uid"),
])
def test_run_mount_errors_are_buildkits(value, message):
    with pytest.raises(InvalidArgument, match=message):
        parse_mount(value)


def test_a_mount_at_the_root_is_refused():
    with pytest.raises(InvalidArgument, match='invalid mount target "/"'):
        resolve(parse_mount("type=cache,target=/"), "/")


def test_syntax_directive():
    for served in ("docker/dockerfile:1", "docker/dockerfile:1.7", "docker/dockerfile:1.7.1-labs",
                   "docker.io/docker/dockerfile:1", "docker/dockerfile", "docker/dockerfile:latest",
                   "docker/dockerfile:1@sha256:" + "a" * 64, None):
        check_syntax(served)
    for other in ("docker/dockerfile:2", "tonistiigi/dockerfile:runmount", "example.com/frontend:1"):
        with pytest.raises(InvalidArgument, match="unsupported Dockerfile syntax"):
            check_syntax(other)


def test_platform_args():
    found = platform_args("linux/arm/v7", "linux/amd64")
    assert found == {"TARGETPLATFORM": "linux/arm/v7", "TARGETOS": "linux", "TARGETARCH": "arm",
                     "TARGETVARIANT": "v7", "BUILDPLATFORM": "linux/amd64", "BUILDOS": "linux",
                     "BUILDARCH": "amd64", "BUILDVARIANT": ""}
    args = BuildArgs({"TARGETARCH": "given"})
    args.predefine(found)
    assert args.meta_env()["TARGETARCH"] == "given" and args.meta_env()["BUILDOS"] == "linux"
    assert args.unconsumed() == []


def test_the_stage_graph_follows_from_copy_from_and_mount_from():
    text = ("ARG BASE=one\nFROM busybox AS one\nFROM busybox AS two\nFROM busybox AS unused\n"
            "FROM $BASE AS three\nCOPY --from=two /a /a\nRUN --mount=from=four,target=/m true\n"
            "FROM busybox AS four\n")
    plan = plan_build(parse(text), "three", {})
    expand = lambda word: word.replace("$BASE", "one")   # noqa: E731
    assert stage_graph.needed(plan, expand) == [0, 1, 3]
    assert plan.steps_of([0, 1, 3]) == 1 + 1 + 1 + 3 and plan.first_steps([0, 1, 3]) == {0: 2, 1: 3, 3: 4}
