"""Logical lines → instructions: flags, JSON or shell form, key=value pairs, here-documents
(pure).

Values are kept as written (quotes, `$VAR`): substitution happens when the build reaches
the instruction, with the ARG and ENV values in effect there.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from dockyard.dockerfile import heredoc
from dockyard.dockerfile.flags import split_flags
from dockyard.dockerfile.heredoc import Heredoc
from dockyard.dockerfile.lexer import Line, lex
from dockyard.dockerfile.run_mounts import parse_mount
from dockyard.dockerfile.shell_words import json_array, split_words
from dockyard.dockerfile.syntax import check_syntax
from dockyard.errors import InvalidArgument

KEYWORDS = {"FROM", "RUN", "CMD", "ENTRYPOINT", "SHELL", "COPY", "ADD", "ENV", "ARG", "LABEL",
            "WORKDIR", "USER", "EXPOSE", "VOLUME", "HEALTHCHECK", "STOPSIGNAL", "ONBUILD",
            "MAINTAINER"}
_JSON_CAPABLE = {"RUN", "CMD", "ENTRYPOINT", "SHELL", "COPY", "ADD", "VOLUME"}
@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: list[str]                 # JSON array items, or the words / text as written
    original: str
    lineno: int
    json_form: bool = False
    flags: dict[str, str] = field(default_factory=dict)             # booleans as "true"/"false"
    pairs: list[tuple[str, str | None]] = field(default_factory=list)   # ENV, LABEL, ARG (None: no default)
    trigger: "Instruction | None" = None                           # ONBUILD's instruction
    flag_lists: dict[str, list[str]] = field(default_factory=dict)  # repeatable: --mount, --exclude
    heredocs: tuple[Heredoc, ...] = ()

    @property
    def text(self) -> str:
        """The argument text (after flags) as one string: the shell form's command."""
        return self.args[0] if self.args else ""

    def flag_on(self, name: str) -> bool:
        return self.flags.get(name) == "true"

    def heredoc_named(self, word: str) -> Heredoc | None:
        """The document a source word (`<<EOF`) stands for, with its content."""
        opened = heredoc.parse_word(word)
        if opened is None:
            return None
        return next((doc for doc in self.heredocs if doc.name == opened.name), None)


@dataclass(frozen=True)
class Dockerfile:
    instructions: list[Instruction]
    escape: str
    directives: dict[str, str] = field(default_factory=dict)


def parse(text: str) -> Dockerfile:
    lexed = lex(text)
    check_syntax(lexed.directives.get("syntax"))
    instructions = [parse_line(line, lexed.escape) for line in lexed.lines]
    if not instructions:
        raise InvalidArgument("the Dockerfile (Dockerfile) cannot be empty")
    return Dockerfile(instructions, lexed.escape, lexed.directives)


def parse_line(line: Line, escape: str) -> Instruction:
    try:
        return _parse(line, escape)
    except InvalidArgument as err:
        raise InvalidArgument(f"dockerfile parse error line {line.lineno}: {err.message}") from None


def _parse(line: Line, escape: str) -> Instruction:
    keyword = line.keyword
    if keyword not in KEYWORDS:
        raise InvalidArgument(f"unknown instruction: {keyword}")
    flags, rest = split_flags(keyword, line.rest, escape)
    if keyword == "RUN":
        _check_run_flags(flags.values, flags.lists.get("mount", []))
    instruction = functools.partial(Instruction, keyword=keyword, original=line.original, lineno=line.lineno,
                                    flags=flags.values, flag_lists=flags.lists, heredocs=line.heredocs)
    if keyword == "ONBUILD":
        return instruction(args=[_with_documents(rest, line.heredocs)], trigger=_onbuild_trigger(rest, line, escape))
    if keyword in ("ENV", "LABEL"):
        return instruction(args=[rest], pairs=_name_values(keyword, rest, escape))
    if keyword == "ARG":
        return instruction(args=[rest], pairs=_arg_pairs(rest, escape))
    json_args = json_array(rest) if keyword in _JSON_CAPABLE else None
    if keyword == "SHELL" and json_args is None:
        raise InvalidArgument("SHELL requires the arguments to be in JSON form")
    if json_args is not None:
        args, is_json = json_args, True
    elif keyword in ("COPY", "ADD", "FROM", "EXPOSE", "VOLUME"):
        args, is_json = split_words(rest, escape), False
    else:
        args, is_json = ([rest] if rest else []), False
    _check_count(keyword, args, rest)
    if keyword in ("COPY", "ADD") and heredoc.parse_word(args[-1]) is not None:
        raise InvalidArgument(f"{keyword} cannot accept a heredoc as a destination")
    return instruction(args=args, json_form=is_json)


def _check_run_flags(values: dict[str, str], mounts: list[str]) -> None:
    network = values.get("network", "default")
    if network not in ("default", "none", "host"):
        raise InvalidArgument(f'invalid network mode "{network}"')
    security = values.get("security", "sandbox")
    if security not in ("sandbox", "insecure"):
        raise InvalidArgument(f'security "{security}" is not valid')
    for value in mounts:
        parse_mount(value)


def _with_documents(text: str, docs: tuple[Heredoc, ...]) -> str:
    """An instruction's text with its here-documents after it, as ONBUILD stores a trigger."""
    return text + "".join(f"\n{doc.content}{doc.name}" for doc in docs)


def _check_count(keyword: str, args: list[str], rest: str) -> None:
    if keyword == "FROM" and not (len(args) == 1 or (len(args) == 3 and args[1].lower() == "as")):
        raise InvalidArgument("FROM requires either one or three arguments")
    if keyword in ("COPY", "ADD") and len(args) < 2:
        raise InvalidArgument(f"{keyword} requires at least two arguments, but only one was provided. "
                              "Destination could not be determined.")
    if keyword in ("WORKDIR", "USER", "STOPSIGNAL", "EXPOSE", "VOLUME", "MAINTAINER", "HEALTHCHECK",
                   "ENTRYPOINT", "RUN") and not args:
        raise InvalidArgument(f"{keyword} requires at least one argument")


def _onbuild_trigger(rest: str, line: Line, escape: str) -> Instruction:
    keyword = rest.split(None, 1)[0].upper() if rest.strip() else ""
    if not keyword:
        raise InvalidArgument("ONBUILD requires at least one argument")
    if keyword == "ONBUILD":
        raise InvalidArgument("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed")
    if keyword in ("FROM", "MAINTAINER"):
        raise InvalidArgument(f"{keyword} isn't allowed as an ONBUILD trigger")
    inner = lex(_with_documents(rest, line.heredocs)).lines[0]
    return _parse(Line(inner.keyword, inner.rest, inner.original, line.lineno, inner.heredocs), escape)


def _name_values(keyword: str, rest: str, escape: str) -> list[tuple[str, str | None]]:
    words = split_words(rest, escape)
    if not words:
        raise InvalidArgument(f"{keyword} requires at least one argument")
    if "=" not in words[0]:  # the legacy `ENV NAME value words` form
        name, _, value = rest.strip().partition(" ")
        if not value.strip() and keyword == "ENV":
            raise InvalidArgument("ENV must have two arguments")
        return [(name, value.strip())]
    pairs: list[tuple[str, str | None]] = []
    for word in words:
        name, eq, value = word.partition("=")
        if not eq:
            raise InvalidArgument(f"Syntax error - can't find = in \"{word}\". Must be of the form: name=value")
        if not name:
            raise InvalidArgument(f"{keyword} names can not be blank")
        pairs.append((name, value))
    return pairs


def _arg_pairs(rest: str, escape: str) -> list[tuple[str, str | None]]:
    words = split_words(rest, escape)
    if not words:
        raise InvalidArgument("ARG requires at least one argument")
    pairs: list[tuple[str, str | None]] = []
    for word in words:
        name, eq, value = word.partition("=")
        if not name:
            raise InvalidArgument("ARG names can not be blank")
        pairs.append((name, value if eq else None))
    return pairs
