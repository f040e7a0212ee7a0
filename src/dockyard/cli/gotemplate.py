"""The subset of Go's text/template that `--format` needs (pure).

Supported: `{{.A.B}}`, `{{.}}`, functions `json`, `index`, `join`, `upper`, `lower`, `title`,
`len`, `println`, `printf` (%s %d %v), pipelines `{{.X | json}}`, `{{range .L}}…{{end}}`,
`{{if .X}}…{{else}}…{{end}}`, and `{{- -}}` whitespace trimming.
"""

import json
import re
import shlex
from dataclasses import dataclass, field
from typing import Any, Callable

from dockyard.errors import InvalidArgument

_ACTION = re.compile(r"{{(-?)\s*(.*?)\s*(-?)}}", re.S)


@dataclass
class _Node:
    kind: str  # text, action, range, if
    value: str = ""
    body: list = field(default_factory=list)
    orelse: list = field(default_factory=list)


def render(template: str, data: Any) -> str:
    return "".join(_run(_parse(template), data))


def _tokens(template: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    for match in _ACTION.finditer(template):
        text = template[pos:match.start()]
        if match.group(1):
            text = text.rstrip()
        if tokens and tokens[-1][0] == "trim":
            tokens.pop()
            text = text.lstrip()
        tokens.append(("text", text))
        tokens.append(("action", match.group(2)))
        if match.group(3):
            tokens.append(("trim", ""))
        pos = match.end()
    tail = template[pos:]
    if tokens and tokens[-1][0] == "trim":
        tokens.pop()
        tail = tail.lstrip()
    tokens.append(("text", tail))
    return tokens


def _parse(template: str) -> list[_Node]:
    root: list[_Node] = []
    stack: list[tuple[_Node | None, list]] = [(None, root)]
    for kind, value in _tokens(template):
        body = stack[-1][1]
        if kind == "text":
            if value:
                body.append(_Node("text", value))
        elif value.startswith(("range ", "if ")):
            word, _, expr = value.partition(" ")
            node = _Node(word, expr)
            body.append(node)
            stack.append((node, node.body))
        elif value == "else":
            if stack[-1][0] is None:
                raise InvalidArgument("template: unexpected {{else}}")
            stack[-1] = (stack[-1][0], stack[-1][0].orelse)
        elif value == "end":
            if len(stack) == 1:
                raise InvalidArgument("template: unexpected {{end}}")
            stack.pop()
        else:
            body.append(_Node("action", value))
    if len(stack) != 1:
        raise InvalidArgument("template: unexpected EOF")
    return root


def _run(nodes: list[_Node], data: Any):
    for node in nodes:
        if node.kind == "text":
            yield node.value
        elif node.kind == "action":
            yield _to_text(_pipeline(node.value, data))
        elif node.kind == "if":
            yield from _run(node.body if _truthy(_pipeline(node.value, data)) else node.orelse, data)
        elif node.kind == "range":
            items = _pipeline(node.value, data) or []
            if isinstance(items, dict):
                items = [items[k] for k in sorted(items)]
            if not items:
                yield from _run(node.orelse, data)
            for item in items:
                yield from _run(node.body, item)


def _pipeline(expr: str, data: Any) -> Any:
    value, first = None, True
    for stage in expr.split("|"):
        words = shlex.split(stage.strip(), posix=False)
        if not words:
            raise InvalidArgument(f"template: empty command in {expr!r}")
        args = [_operand(w, data) for w in words[1:]] + ([] if first else [value])
        value = _call(words[0], args, data) if words[0] in _FUNCS else _operand(words[0], data)
        first = False
    return value


def _operand(word: str, data: Any) -> Any:
    if word.startswith('"') and word.endswith('"'):
        return json.loads(word)
    if word.startswith("."):
        return _field(data, word)
    if re.fullmatch(r"-?\d+", word):
        return int(word)
    raise InvalidArgument(f'template: function "{word}" not defined')


def _field(data: Any, path: str) -> Any:
    value = data
    for name in [p for p in path.split(".") if p]:
        if isinstance(value, dict):
            value = value.get(name)
        else:
            value = getattr(value, name, None)
    return value


def _call(name: str, args: list, data: Any) -> Any:
    try:
        return _FUNCS[name](*args)
    except TypeError:
        raise InvalidArgument(f"template: wrong number of args for {name}") from None


def _printf(fmt: str, *args) -> str:
    return re.sub(r"%[sdv]", "{}", fmt).format(*[_to_text(a) for a in args])


def _index(container, *keys):
    for key in keys:
        if container is None:
            return None
        container = container.get(key) if isinstance(container, dict) else container[key]
    return container


_FUNCS: dict[str, Callable[..., Any]] = {
    "json": lambda v: json.dumps(v, separators=(",", ":")),
    "index": _index,
    "join": lambda items, sep: sep.join(_to_text(i) for i in items or []),
    "upper": lambda v: _to_text(v).upper(),
    "lower": lambda v: _to_text(v).lower(),
    "title": lambda v: _to_text(v).title(),
    "len": lambda v: len(v or []),
    "println": lambda *v: " ".join(_to_text(x) for x in v) + "\n",
    "printf": _printf,
}


def _truthy(value: Any) -> bool:
    return bool(value)


def _to_text(value: Any) -> str:
    if value is None:
        return "<no value>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{_to_text(v)}" for k, v in sorted(value.items())) + "]"
    if isinstance(value, list):
        return "[" + " ".join(_to_text(v) for v in value) + "]"
    return str(value)
