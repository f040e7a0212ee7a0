"""JSON read as Go's encoding/json reads a request body (json.NewDecoder(body).Decode), pure.

dockerd's answers to a malformed body are Go's messages; clients and tests compare them. So:
the first value is read and anything after it ignored; NaN, Infinity and nesting beyond
10,000 levels are syntax errors with Go's wording; numbers keep their literal text, for Go's
`number 1e400` in type errors. Python's C decoder reads every ordinary body; the Go scanner
below runs only when it fails (to word the error) or when the nesting is deeper than Python
recurses (to read the value without recursion).
"""

from __future__ import annotations

import json
import re
from typing import NoReturn

from dockyard.errors import InvalidArgument

MAX_DEPTH = 10_000  # Go's scanner's maxNestingDepth
_WHITESPACE = b" \t\r\n"
_NUMBER = re.compile(rb"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_LITERALS = {ord("t"): (b"true", True), ord("f"): (b"false", False), ord("n"): (b"null", None)}


class Number(float):
    """A JSON number that is not an integer literal, with the text it was written as."""

    literal: str

    def __new__(cls, literal: str) -> "Number":
        number = super().__new__(cls, literal)
        number.literal = literal
        return number


class GoSyntaxError(InvalidArgument):
    """A body Go's decoder refuses before looking at types."""


class _Empty(Exception):
    pass


def _reject_constant(name: str):
    raise ValueError(name)


_DECODER = json.JSONDecoder(parse_float=Number, parse_constant=_reject_constant)


def loads(data: bytes):
    """The first JSON value of `data`; raises GoSyntaxError with Go's message, or returns
    `EMPTY` for a body of nothing but whitespace (Go's io.EOF)."""
    start = len(data) - len(data.lstrip(_WHITESPACE))
    if start == len(data):
        return EMPTY
    try:
        value, _ = _DECODER.raw_decode(data.decode("utf-8", errors="replace"), start)
        return value
    except (ValueError, RecursionError):
        return _Scanner(data, start).value()


EMPTY = object()


def quote_char(byte: int) -> str:
    """Go's quoteChar: how its scanner names the byte it stopped at."""
    if byte == ord("'"):
        return "'\\''"
    if byte == ord('"'):
        return "'\"'"
    char = chr(byte)
    if char.isprintable() and byte < 0x7F:
        return f"'{char}'"
    if byte < 0x80:
        return "'" + {9: "\\t", 10: "\\n", 13: "\\r", 0x7F: "\\x7f"}.get(byte, f"\\x{byte:02x}") + "'"
    return f"'{chr(byte)}'" if chr(byte).isprintable() else f"'\\u{byte:04x}'"


class _Scanner:
    """Go's scanner, iteratively: reads one value or raises its error. Slow; used rarely."""

    def __init__(self, data: bytes, at: int):
        self.data, self.at = data, at

    def fail(self, context: str) -> NoReturn:
        if self.at >= len(self.data):
            raise GoSyntaxError("unexpected EOF")
        raise GoSyntaxError(f"invalid character {quote_char(self.data[self.at])} {context}")

    def skip_space(self) -> None:
        while self.at < len(self.data) and self.data[self.at] in _WHITESPACE:
            self.at += 1

    def peek(self) -> int | None:
        return self.data[self.at] if self.at < len(self.data) else None

    def value(self):
        stack: list[list] = []  # open containers: [list] or [dict, the key being read]
        while True:
            self.skip_space()
            item = self.scalar_or_open(stack)
            if item is _OPEN:
                top = stack[-1]
                self.skip_space()
                closer = ord("]") if isinstance(top[0], list) else ord("}")
                if self.peek() != closer:
                    if closer == ord("}"):
                        self.read_key(top)
                    continue
                self.at += 1
                item = stack.pop()[0]
            while True:  # place a finished value, then read what follows it
                if not stack:
                    return item
                top = stack[-1]
                self.skip_space()
                if isinstance(top[0], list):
                    top[0].append(item)
                    if self.peek() == ord(","):
                        self.at += 1
                        break
                    if self.peek() != ord("]"):
                        self.fail("after array element")
                else:
                    top[0][top[1]] = item
                    if self.peek() == ord(","):
                        self.at += 1
                        self.skip_space()
                        self.read_key(top)
                        break
                    if self.peek() != ord("}"):
                        self.fail("after object key:value pair")
                self.at += 1
                item = stack.pop()[0]

    def scalar_or_open(self, stack: list):
        c = self.peek()
        if c in (ord("["), ord("{")):
            if len(stack) >= MAX_DEPTH:
                self.fail("exceeded max depth")
            self.at += 1
            stack.append([[]] if c == ord("[") else [{}, None])
            return _OPEN
        if c == ord('"'):
            return self.string()
        if c is not None and (c == ord("-") or ord("0") <= c <= ord("9")):
            return self.number()
        if c in _LITERALS:
            word, result = _LITERALS[c]
            for expected in word[1:]:
                self.at += 1
                if self.peek() != expected:
                    self.fail(f"in literal {word.decode()} (expecting {quote_char(expected)})")
            self.at += 1
            return result
        self.fail("looking for beginning of value")

    def read_key(self, top: list) -> None:
        if self.peek() != ord('"'):
            self.fail("looking for beginning of object key string")
        top[1] = self.string()
        self.skip_space()
        if self.peek() != ord(":"):
            self.fail("after object key")
        self.at += 1

    def string(self) -> str:
        start = self.at
        self.at += 1
        while True:
            c = self.peek()
            if c is None:
                self.fail("in string literal")
            if c == ord('"'):
                self.at += 1
                text = self.data[start:self.at].decode("utf-8", errors="replace")
                return json.loads(text, strict=False)
            if c < 0x20:
                self.fail("in string literal")
            if c == ord("\\"):
                self.at += 1
                e = self.peek()
                if e is None or e not in b'"\\/bfnrtu':
                    self.fail("in string escape code")
                if e == ord("u"):
                    for _ in range(4):
                        self.at += 1
                        h = self.peek()
                        if h is None or h not in b"0123456789abcdefABCDEF":
                            self.fail("in \\u hexadecimal character escape")
            self.at += 1

    def number(self):
        found = _NUMBER.match(self.data, self.at)
        if found is None:  # a '-' without digits
            self.at += 1
            self.fail("in numeric literal")
        self.at = found.end()
        if self.peek() == ord(".") and b"." not in found.group():
            self.at += 1
            self.fail("after decimal point in numeric literal")
        if self.peek() in (ord("e"), ord("E")) and found.group()[-1:].isdigit() and b"e" not in found.group().lower():
            self.at += 1
            if self.peek() in (ord("+"), ord("-")):
                self.at += 1
            self.fail("in exponent of numeric literal")
        literal = found.group().decode()
        return Number(literal) if any(ch in literal for ch in ".eE") else int(literal)


_OPEN = object()
