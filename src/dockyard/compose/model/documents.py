"""Compose files as YAML 1.2 documents (ruamel.yaml), as compose v2 reads them: `ports: [22:22]`
stays the string "22:22" and `DEBUG: no` the string "no" (YAML 1.1 made them 1342 and false);
anchors, aliases and `<<` merge keys; several documents in one file; compose's `!reset` and
`!override` tags (pure)."""

from __future__ import annotations

import io

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from dockyard.errors import InvalidArgument


class Reset:
    """`!reset`: the key is removed from what earlier files defined."""

    def __repr__(self) -> str:
        return "!reset"


RESET = Reset()


class Override:
    """`!override value`: replaces what earlier files defined instead of merging with it."""

    def __init__(self, value):
        self.value = value

    def __eq__(self, other) -> bool:
        return isinstance(other, Override) and other.value == self.value

    def __repr__(self) -> str:
        return f"!override {self.value!r}"


def _go_int(loader, node) -> int:
    """Integers as compose v2's YAML reader (Go's ParseInt, base 0) takes them: `010` is octal 8."""
    text = loader.construct_scalar(node).replace("_", "")
    sign, digits = (-1, text[1:]) if text.startswith("-") else (1, text.lstrip("+"))
    if len(digits) > 1 and digits[0] == "0" and digits.isdigit():
        return sign * int(digits, 8)
    return sign * int(digits, 0)


def _reader() -> YAML:
    yaml = YAML(typ="safe", pure=True)
    yaml.constructor.add_constructor("tag:yaml.org,2002:int", _go_int)
    yaml.constructor.add_constructor("!reset", lambda loader, node: RESET)
    yaml.constructor.add_constructor("!override", lambda loader, node: Override(_plain(loader, node)))
    return yaml


def _plain(loader, node):
    if node.id == "mapping":
        return loader.construct_mapping(node, deep=True)
    if node.id == "sequence":
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)


def parse(text: str, path: str) -> list[dict]:
    """The file's documents, each a mapping (an empty document is {})."""
    try:
        documents = list(_reader().load_all(text))
    except YAMLError as err:
        raise InvalidArgument(f"failed to parse {path}: {err}") from None
    out = []
    for document in documents or [None]:
        document = {} if document is None else document
        if not isinstance(document, dict):
            raise InvalidArgument("top-level object must be a mapping")
        out.append(_string_keys(document, ""))
    return out


def _string_keys(value, where: str):
    """compose-go's convertToStringKeysRecursive: keys become strings (`80: x` → "80")."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if isinstance(key, (dict, list)):
                raise InvalidArgument(f"non-string key in {where or 'top level'}: {key!r}")
            text = ("true" if key else "false") if isinstance(key, bool) else str(key)
            out[text] = _string_keys(item, f"{where}.{text}" if where else text)
        return out
    if isinstance(value, list):
        return [_string_keys(item, where) for item in value]
    if isinstance(value, Override):
        return Override(_string_keys(value.value, where))
    return value


def dump(data) -> str:
    """Plain data as block-style YAML (`compose config`)."""
    out = io.StringIO()
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.sort_base_mapping_type_on_output = False  # type: ignore[assignment]  # ruamel declares it None only
    yaml.dump(data, out)
    return out.getvalue()


def unwrap(value):
    """A value with its `!override` markers dropped and its `!reset` keys removed."""
    if isinstance(value, Override):
        return unwrap(value.value)
    if isinstance(value, dict):
        return {k: unwrap(v) for k, v in value.items() if v is not RESET}
    if isinstance(value, list):
        return [unwrap(v) for v in value if v is not RESET]
    return value
