"""BuildKit's shapes made from the classic builder's: step names as BuildKit's Dockerfile
frontend numbers them, history lines as dockerd 20.10's BuildKit writes them."""

from dockyard.builder.buildkit_image import buildkit_config, created_by
from dockyard.builder.vertices import BuildEvents, Vertex, VertexProgress
from dockyard.dockerfile.parser import parse
from dockyard.dockerfile.plan import plan_build
from dockyard.wire.times import go_duration_text

DOCKERFILE = """\
FROM busybox AS build
RUN make
FROM build
ENV A=1
WORKDIR /app
COPY a /a
RUN b
"""


def _names(dockerfile: str) -> list[tuple[str, bool]]:
    events = []
    progress = VertexProgress(BuildEvents(events.append, "test"))
    plan = plan_build(parse(dockerfile))
    progress.planned(plan)
    step = 0
    for stage in plan.stages:
        for instruction in [stage.source, *stage.instructions]:
            step += 1
            progress.step(step, 0, instruction.original)
            if instruction.keyword == "RUN" and instruction.text == "make":
                progress.using_cache()
        progress.stage_done(None)
    done = [e for e in events if isinstance(e, Vertex) and e.completed is not None]
    return [(v.name, v.cached) for v in done]


def test_steps_are_numbered_per_stage_with_stage_names_when_several():
    assert _names(DOCKERFILE) == [
        ("[build 1/2] FROM docker.io/library/busybox", True),
        ("[build 2/2] RUN make", True),
        ("[stage-1 1/3] WORKDIR /app", False),      # dockerd 20.10's BuildKit numbers no FROM
        ("[stage-1 2/3] COPY a /a", False),         # of an earlier stage (nor of scratch)
        ("[stage-1 3/3] RUN b", False),
    ]
    assert _names("FROM scratch AS s\nCOPY a /a\nFROM busybox\n")[0] == ("[s 1/1] COPY a /a", False)
    assert _names("FROM busybox:1.36\nRUN x\n") == [("[1/2] FROM docker.io/library/busybox:1.36", True),
                                                    ("[2/2] RUN x", False)]


def _instruction(line: str):
    return parse(f"FROM x\n{line}\n").instructions[1]


def test_history_lines_as_buildkit_writes_them():
    assert created_by(_instruction("RUN echo hi"), "|1 A=b /bin/sh -c echo hi") == "RUN |1 A=b /bin/sh -c echo hi # buildkit"
    assert created_by(_instruction("COPY --chown=1 a b /dst/"), "/bin/sh -c #(nop) COPY multi:x in /dst/") == "COPY a b /dst/ # buildkit"
    assert created_by(_instruction("ENV A=1"), "/bin/sh -c #(nop)  ENV A=1") == "ENV A=1"
    assert created_by(_instruction("EXPOSE 80 53/udp"), "/bin/sh -c #(nop)  EXPOSE 80 53/udp") == "EXPOSE map[53/udp:{} 80/tcp:{}]"
    assert created_by(_instruction("VOLUME /a /b"), "") == "VOLUME [/a /b]"
    assert created_by(_instruction("HEALTHCHECK --interval=1m30s --retries=3 CMD [\"true\"]"), "") == \
        "HEALTHCHECK &{[\"CMD\" \"true\"] \"1m30s\" \"0s\" \"0s\" '\\x03'}"
    assert created_by(_instruction("WORKDIR /app"), "/bin/sh -c #(nop) WORKDIR /app") == "WORKDIR /app"


def test_config_keeps_base_history_and_drops_the_build_container():
    instructions = parse("FROM x\nENV A=1\nCMD [\"sh\"]\n").instructions[1:]
    config = {"container_config": {}, "docker_version": "x", "config": {"Env": ["A=1"]},
              "history": [{"created_by": "base"}, {"created_by": "/bin/sh -c #(nop)  ENV A=1", "empty_layer": True},
                          {"created_by": '/bin/sh -c #(nop)  CMD ["sh"]', "empty_layer": True}]}
    result = buildkit_config(config, 1, instructions, {"team": "core"})
    assert "container_config" not in result and "docker_version" not in result
    assert [h["created_by"] for h in result["history"]] == ["base", "ENV A=1", 'CMD ["sh"]']
    assert "comment" not in result["history"][0]
    assert result["config"] == {"Env": ["A=1"], "Labels": {"team": "core"}, "ArgsEscaped": True, "OnBuild": None}


def test_go_durations():
    assert [go_duration_text(n) for n in (0, 1_500_000_000, 90 * 10**9, 7200 * 10**9, 500 * 10**6, 1234)] == \
        ["0s", "1.5s", "1m30s", "2h0m0s", "500ms", "1.234µs"]


def test_history_of_a_stage_chain_with_expanded_words_and_scratch():
    """Checked against dockerd 20.10's BuildKit: COPY's words expanded, EXPOSE's ports and
    VOLUME's paths as the classic step expanded them, WorkingDir `/` from scratch."""
    instructions = parse("FROM scratch\nCOPY $F /d/\nEXPOSE $P\nVOLUME $D/v\n").instructions[1:]
    config = {"config": {}, "history": [
        {"created_by": "/bin/sh -c #(nop) COPY file:abc in /d/ "},
        {"created_by": "/bin/sh -c #(nop)  EXPOSE 80 53/udp", "empty_layer": True},
        {"created_by": "/bin/sh -c #(nop)  VOLUME [/data/v]", "empty_layer": True}]}
    result = buildkit_config(config, 0, instructions, None, {id(instructions[0]): ["f.txt", "/d/"]},
                             from_scratch=True)
    assert [h["created_by"] for h in result["history"]] == [
        "COPY f.txt /d/ # buildkit", "EXPOSE map[53/udp:{} 80/tcp:{}]", "VOLUME [/data/v]"]
    assert result["config"]["WorkingDir"] == "/"
