import pytest

from dockyard.dockerfile.lexer import lex
from dockyard.dockerfile.parser import parse, split_words
from dockyard.errors import InvalidArgument


def test_continuations_comments_and_blank_lines_join_into_one_instruction():
    text = "FROM busybox\nRUN echo a \\\n# a comment\n\n    && echo b\nCMD [\"sh\"]\n"
    lines = lex(text).lines
    assert [line.keyword for line in lines] == ["FROM", "RUN", "CMD"]
    assert lines[1].rest == "echo a     && echo b"
    assert lines[1].lineno == 2 and lines[2].lineno == 6


def test_escape_directive_changes_the_continuation_character():
    lexed = lex("# escape=`\nFROM busybox\nRUN dir c:\\ `\n  && echo x\n")
    assert lexed.escape == "`"
    assert lexed.lines[1].rest == "dir c:\\   && echo x"


def test_directives_only_count_before_anything_else():
    lexed = lex("FROM busybox\n# escape=`\nRUN a \\\n b\n")
    assert lexed.escape == "\\" and lexed.lines[1].rest == "a  b"


def test_bad_escape_directive_is_rejected():
    with pytest.raises(InvalidArgument, match="invalid ESCAPE"):
        lex("# escape=x\nFROM busybox\n")


def test_json_and_shell_forms():
    df = parse('FROM busybox\nRUN ["echo", "a b"]\nRUN echo a b\nCMD [not json\nENTRYPOINT ["sh", "-c"]\n')
    json_run, shell_run, cmd, entry = df.instructions[1:]
    assert json_run.json_form and json_run.args == ["echo", "a b"]
    assert not shell_run.json_form and shell_run.text == "echo a b"
    assert not cmd.json_form and cmd.text == "[not json"
    assert entry.args == ["sh", "-c"]


def test_flags_pairs_and_stage_syntax():
    df = parse('FROM --platform=linux/amd64 busybox AS base\n'
               'COPY --from=base --chown=1:2 a b /dst/\n'
               'ENV A=1 B="two words" C=3\nENV LEGACY value with spaces\n'
               'ARG X Y=2\nLABEL "k"="v"\n')
    from_, copy, env, legacy, arg, label = df.instructions
    assert from_.flags == {"platform": "linux/amd64"} and from_.args == ["busybox", "AS", "base"]
    assert copy.flags == {"from": "base", "chown": "1:2"} and copy.args == ["a", "b", "/dst/"]
    assert env.pairs == [("A", "1"), ("B", '"two words"'), ("C", "3")]
    assert legacy.pairs == [("LEGACY", "value with spaces")]
    assert arg.pairs == [("X", None), ("Y", "2")]
    assert label.pairs == [('"k"', '"v"')]


@pytest.mark.parametrize("text, message", [
    ("FROM busybox\nFOO bar\n", "line 2: unknown instruction: FOO"),
    ("FROM a b\n", "FROM requires either one or three arguments"),
    ("FROM busybox\nCOPY onlyone\n", "COPY requires at least two arguments"),
    ("FROM busybox\nSHELL /bin/bash\n", "SHELL requires the arguments to be in JSON form"),
    ("FROM busybox\nRUN --mount=type=bogus,target=/x true\n", 'line 2: unsupported mount type "bogus"'),
    ("# syntax=tonistiigi/dockerfile:runmount\nFROM busybox\n", "unsupported Dockerfile syntax"),
    ("FROM busybox\nONBUILD ONBUILD RUN x\n", "isn't allowed"),
    ("FROM busybox\nENV A=1 B\n", "can't find = in"),
    ("", "cannot be empty"),
])
def test_parse_errors_name_the_problem(text, message):
    with pytest.raises(InvalidArgument, match=message):
        parse(text)


def test_onbuild_keeps_its_trigger_parsed():
    trigger = parse("FROM busybox\nONBUILD RUN echo hi\n").instructions[1].trigger
    assert trigger.keyword == "RUN" and trigger.text == "echo hi"


def test_split_words_keeps_quotes_for_substitution():
    assert split_words('a "b c" d\\ e \'f g\'') == ["a", '"b c"', "d\\ e", "'f g'"]
