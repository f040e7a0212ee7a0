import pytest
from hypothesis import given, strategies as st

from dockyard.dockerfile.shell_words import ShellLex, escape_literal
from dockyard.errors import InvalidArgument

ENV = {"A": "apple", "EMPTY": "", "SP": "x y"}
LEX = ShellLex()


@pytest.mark.parametrize("word, expected", [
    ("$A", "apple"), ("${A}", "apple"), ("pre${A}post", "preapplepost"), ("$A$A", "appleapple"),
    ("$NOPE", ""), ("${NOPE:-dflt}", "dflt"), ("${EMPTY:-dflt}", "dflt"), ("${EMPTY-dflt}", ""),
    ("${A:-dflt}", "apple"), ("${A:+alt}", "alt"), ("${NOPE:+alt}", ""), ("${EMPTY+alt}", "alt"),
    ("${EMPTY:+alt}", ""), ("${NOPE:-${A}}", "apple"), ("'$A'", "$A"), ('"$A"', "apple"),
    ('"\\$A"', "$A"), ("\\$A", "$A"), ('"a\\nb"', "a\\nb"), ('"q\\"q"', 'q"q'), ("a\\ b", "a b"),
    ("$", "$"), ("a$", "a$"), ("$1x", "x"), ("${A}_b", "apple_b"), ("$A_b", ""),
])
def test_expansion_like_docker(word, expected):
    assert LEX.expand_word(word, ENV) == expected


def test_words_split_on_unquoted_whitespace_after_expansion_of_quotes():
    assert LEX.expand_words('a "b c" $A \'d e\'', ENV) == ["a", "b c", "apple", "d e"]
    assert LEX.expand_words('""', ENV) == [""]


def test_backtick_escape():
    assert ShellLex("`").expand_word("`$A", ENV) == "$A"
    assert ShellLex("`").expand_word("c:\\dir", ENV) == "c:\\dir"


@pytest.mark.parametrize("word, message", [
    ("${NOPE:?must be set}", "NOPE: must be set"), ("${NOPE?}", "is not allowed to be unset"),
    ("'open", "single-quote"), ('"open', "double-quote"), ("${A", "missing '}'"),
    ("${A%x}", "unsupported modifier"),
])
def test_errors(word, message):
    with pytest.raises(InvalidArgument, match=message):
        LEX.expand_word(word, ENV)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_escaped_text_expands_to_itself(text):
    assert LEX.expand_word(escape_literal(text), ENV) == text


@given(st.text(alphabet="abcXYZ019_-./:=", max_size=30))
def test_plain_words_are_unchanged(text):
    assert LEX.expand_word(text, ENV) == text


def test_raw_quotes_and_unset_variables_kept_as_buildkit_names_run_steps():
    """dockerd 20.10's BuildKit names `RUN echo "$G from" '$G' "${U}" $U2 ${G:-x}` with G=hi:"""
    lex = ShellLex(raw_quotes=True, skip_unset=True)
    assert lex.expand_word("""RUN echo "$G from" '$G' "${U}" $U2 ${G:-x} ${U3:-d}""", {"G": "hi"}) == \
        """RUN echo "hi from" '$G' "${U}" $U2 hi d"""
