"""`${VAR}`, `$VAR`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR:+alt}` and `$$`
in every string of a compose file, and the `.env` format (pure)."""

from __future__ import annotations

import re
from typing import Mapping

from dockyard.errors import InvalidArgument

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def interpolate(value, env: Mapping[str, str], where: str = ""):
    """The value with every string interpolated; mappings and lists walked (keys left alone)."""
    if isinstance(value, str):
        return substitute(value, env, where)
    if isinstance(value, dict):
        return {k: interpolate(v, env, f"{where}.{k}" if where else str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env, where) for v in value]
    return value


def substitute(text: str, env: Mapping[str, str], where: str = "") -> str:
    out, i = [], 0
    while i < len(text):
        dollar = text.find("$", i)
        if dollar < 0:
            out.append(text[i:])
            break
        out.append(text[i:dollar])
        value, i = _expand(text, dollar, env, where)
        out.append(value)
    return "".join(out)


def _expand(text: str, at: int, env: Mapping[str, str], where: str) -> tuple[str, int]:
    """The expansion of the `$...` at `at` and the index after it."""
    nxt = text[at + 1:at + 2]
    if nxt == "$":
        return "$", at + 2
    if nxt == "{":
        end = _closing_brace(text, at + 2)
        if end < 0:
            raise InvalidArgument(f"invalid interpolation format for {where or 'value'}: {text!r}")
        return _braced(text[at + 2:end], env, where, text), end + 1
    name = _NAME.match(text, at + 1)
    if name is None:
        return "$", at + 1
    return env.get(name.group(), ""), name.end()


def _closing_brace(text: str, start: int) -> int:
    depth = 1
    for i in range(start, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
    return -1


def _braced(inner: str, env: Mapping[str, str], where: str, text: str) -> str:
    name = _NAME.match(inner)
    if name is None:
        raise InvalidArgument(f"invalid interpolation format for {where or 'value'}: {text!r}")
    var, rest = name.group(), inner[name.end():]
    if not rest:
        return env.get(var, "")
    for op in (":-", ":?", ":+", "-", "?", "+"):
        if rest.startswith(op):
            arg = rest[len(op):]
            break
    else:
        raise InvalidArgument(f"invalid interpolation format for {where or 'value'}: {text!r}")
    present = var in env and (not op.startswith(":") or env[var] != "")
    if op.endswith("-"):
        return env[var] if present else substitute(arg, env, where)
    if op.endswith("+"):
        return substitute(arg, env, where) if present else ""
    if not present:
        message = substitute(arg, env, where) or f"variable {var} is required"
        raise InvalidArgument(f"required variable {var} is missing a value: {message}")
    return env[var]


def parse_env_file(text: str, where: str = ".env") -> dict[str, str]:
    """`KEY=VALUE` lines: comments, blank lines, `export `, single quotes (literal) and double
    quotes (with \\n escapes); a bare `KEY` is left out."""
    values: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export "):].lstrip()
        key, sep, value = line.partition("=")
        key = key.strip()
        if not _NAME.fullmatch(key):
            raise InvalidArgument(f"{where}:{number}: invalid variable name {key!r}")
        if sep:
            values[key] = _env_value(value.strip())
    return values


def _env_value(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1]
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1].replace("\\n", "\n").replace('\\"', '"').replace("\\\\", "\\")
    comment = value.find(" #")
    return (value[:comment] if comment >= 0 else value).rstrip()


def variables(value, found: dict | None = None) -> dict[str, tuple[bool, str, str]]:
    """The variables a document's strings use: name → (required, default, alternate), as
    `compose config --variables` lists them (`${V:?e}` required, `${V:-d}` default, `${V:+a}` alternate)."""
    found = {} if found is None else found
    if isinstance(value, dict):
        for item in value.values():
            variables(item, found)
    elif isinstance(value, list):
        for item in value:
            variables(item, found)
    elif isinstance(value, str):
        for match in _REFERENCE.finditer(value):
            if match.group("escaped"):
                continue
            name = match.group("braced") or match.group("bare")
            op, arg = match.group("op") or "", match.group("arg") or ""
            found[name] = (op.endswith("?"), arg if op.endswith("-") else "", arg if op.endswith("+") else "")
    return found


_REFERENCE = re.compile(r"(?P<escaped>\$\$)|\$\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
                        r"|\$(?P<bare>[A-Za-z_][A-Za-z0-9_]*)")

