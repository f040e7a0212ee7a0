"""Variable substitution and quoting as Docker's builder does it (pure).

`$VAR`, `${VAR}`, `${VAR:-word}`, `${VAR-word}`, `${VAR:+word}`, `${VAR+word}`,
`${VAR:?message}`, `${VAR?message}`; single quotes are literal, double quotes allow `$` and
escape only `"`, `$` and the escape character; outside quotes the escape character makes
the next character literal. `expand_word` gives one string, `expand_words` splits on
unquoted whitespace (EXPOSE, VOLUME, COPY sources, ...).
"""

from __future__ import annotations

import json

from typing import Mapping

from dockyard.errors import InvalidArgument

_EOF = ""


class _Scanner:
    def __init__(self, text: str):
        self.text, self.pos = text, 0

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else _EOF

    def next(self) -> str:
        ch = self.peek()
        if ch:
            self.pos += 1
        return ch


class ShellLex:
    def __init__(self, escape: str = "\\", quotes: bool = True, raw_quotes: bool = False, skip_unset: bool = False):
        self.escape = escape
        self.quotes = quotes   # False: quotes are ordinary characters (here-document contents)
        # BuildKit's names of RUN steps: quotes kept in the result, unset variables left as written
        self.raw_quotes, self.skip_unset = raw_quotes, skip_unset

    def expand_word(self, text: str, env: Mapping[str, str]) -> str:
        words = self._process(text, env, split=False)
        return words[0] if words else ""

    def expand_words(self, text: str, env: Mapping[str, str]) -> list[str]:
        return self._process(text, env, split=True)

    def _process(self, text: str, env: Mapping[str, str], split: bool) -> list[str]:
        scanner = _Scanner(text)
        words: list[str] = []
        current: list[str] = []
        in_word = False
        while (ch := scanner.peek()) != _EOF:
            if split and ch in " \t\n":
                scanner.next()
                if in_word:
                    words.append("".join(current))
                    current, in_word = [], False
                continue
            in_word = True
            current.append(self._piece(scanner, env))
        if in_word or not split:
            words.append("".join(current))
        return words

    def _piece(self, scanner: _Scanner, env: Mapping[str, str]) -> str:
        """One unit of a word: a quoted run, an expansion, or one (escaped) character."""
        ch = scanner.peek()
        if ch == "'" and self.quotes:
            return self._single_quoted(scanner)
        if ch == '"' and self.quotes:
            return self._double_quoted(scanner, env)
        if ch == "$":
            return self._dollar(scanner, env)
        scanner.next()
        if ch == self.escape:
            return scanner.next()  # a trailing escape vanishes
        return ch

    def _single_quoted(self, scanner: _Scanner) -> str:
        scanner.next()
        out = []
        while (ch := scanner.next()) != "'":
            if ch == _EOF:
                raise InvalidArgument("unexpected end of statement while looking for matching single-quote")
            out.append(ch)
        return self._quoted("'", "".join(out))

    def _quoted(self, quote: str, text: str) -> str:
        return quote + text + quote if self.raw_quotes else text

    def _double_quoted(self, scanner: _Scanner, env: Mapping[str, str]) -> str:
        scanner.next()
        out: list[str] = []
        while True:
            ch = scanner.peek()
            if ch == _EOF:
                raise InvalidArgument("unexpected end of statement while looking for matching double-quote")
            if ch == '"':
                scanner.next()
                return self._quoted('"', "".join(out))
            if ch == "$":
                out.append(self._dollar(scanner, env))
                continue
            scanner.next()
            if ch == self.escape and scanner.peek() in ('"', "$", self.escape):
                ch = scanner.next()
            elif ch == self.escape and scanner.peek() == _EOF:
                continue
            out.append(ch)

    def _dollar(self, scanner: _Scanner, env: Mapping[str, str]) -> str:
        scanner.next()
        if scanner.peek() != "{":
            name = _name(scanner)
            if name and name not in env and self.skip_unset:
                return "$" + name
            return env.get(name, "") if name else "$"
        scanner.next()
        name = _name(scanner)
        if not name:
            raise InvalidArgument("bad substitution: missing variable name")
        ch = scanner.next()
        if ch == "}":
            if name not in env and self.skip_unset:
                return "${" + name + "}"
            return env.get(name, "")
        if ch == _EOF:
            raise InvalidArgument("syntax error: missing '}'")
        colon = ch == ":"
        modifier = scanner.next() if colon else ch
        if modifier not in ("-", "+", "?"):
            raise InvalidArgument(f"unsupported modifier ({modifier}) in substitution")
        word = self._until_brace(scanner, env)
        value = env.get(name)
        if value is not None and (value != "" or not colon):  # set (and, with ':', not empty)
            return word if modifier == "+" else value
        if modifier == "-":
            return word
        if modifier == "+":
            return ""
        raise InvalidArgument(f"{name}: {word or 'is not allowed to be unset'}")

    def _until_brace(self, scanner: _Scanner, env: Mapping[str, str]) -> str:
        out = []
        while (ch := scanner.peek()) != "}":
            if ch == _EOF:
                raise InvalidArgument("syntax error: missing '}'")
            out.append(self._piece(scanner, env))
        scanner.next()
        return "".join(out)


def _name(scanner: _Scanner) -> str:
    """A variable name: letters, digits and `_`; a leading digit makes a positional (`$1`)."""
    out = []
    if scanner.peek().isdigit() and scanner.peek().isascii():
        while scanner.peek().isdigit() and scanner.peek().isascii():
            out.append(scanner.next())
        return "".join(out)
    while (ch := scanner.peek()) and (ch.isalnum() or ch == "_") and ch.isascii():
        out.append(scanner.next())
    return "".join(out)


def split_words(text: str, escape: str = "\\") -> list[str]:
    """Whitespace-separated words; quotes and escapes kept (substitution removes them)."""
    words: list[str] = []
    current: list[str] = []
    quote, in_word = "", False
    index = 0
    while index < len(text):
        ch = text[index]
        if not quote and ch in " \t\n":
            if in_word:
                words.append("".join(current))
                current, in_word = [], False
            index += 1
            continue
        in_word = True
        current.append(ch)
        if ch == escape and quote != "'" and index + 1 < len(text):
            current.append(text[index + 1])
            index += 2
            continue
        if quote and ch == quote:
            quote = ""
        elif not quote and ch in ("'", '"'):
            quote = ch
        index += 1
    if in_word:
        words.append("".join(current))
    return words


def escape_literal(text: str, escape: str = "\\") -> str:
    """`text` quoted so that expansion gives it back unchanged."""
    return "".join(escape + ch if ch in ("'", '"', "$", escape, " ", "\t", "\n") else ch for ch in text)


def json_array(text: str) -> list[str] | None:
    """An instruction's JSON (exec) form: a JSON array of strings, else None (the shell form)."""
    if not text.startswith("["):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    return None
