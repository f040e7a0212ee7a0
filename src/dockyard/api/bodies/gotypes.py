"""Request bodies typed as the Engine API's Go structs, decoded with encoding/json's rules (pure).

A type here describes a Go type well enough to decode into it as dockerd does: struct fields
matched by name (exact, else case-insensitively), unknown keys dropped, `null` leaving a field
unset, integers checked against their Go size, `strslice.StrSlice` taking a string or a list.
The first mismatch in document order is reported in Go's words, naming the innermost struct,
the field path and the Go type: `json: cannot unmarshal string into Go struct field
HostConfig.HostConfig.Memory of type int64`. Handlers get plain dicts and lists whose every
value has its declared type, so they never meet a string where they expect a number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar

from dockyard.api.bodies.gojson import Number
from dockyard.errors import InvalidArgument


class GoTypeError(InvalidArgument):
    pass


@dataclass
class _Where:
    """Where a value sits: the innermost struct's name and the field path from the root."""

    struct: str | None = None
    path: tuple[str, ...] = ()
    root: str = ""

    def error(self, value, go_type: str, literal: bool = False) -> GoTypeError:
        what = _kind(value)
        if literal:
            what += " " + (value.literal if isinstance(value, Number) else str(value))
        if self.struct is None:
            return GoTypeError(f"json: cannot unmarshal {what} into Go value of type {go_type}")
        field_path = ".".join(self.path)
        return GoTypeError(f"json: cannot unmarshal {what} into Go struct field {self.struct}.{field_path} "
                           f"of type {go_type}")


def _kind(value) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


class GoType:
    name: str

    def decode(self, value, where: _Where):
        raise NotImplementedError

    def zero(self):
        return None


@dataclass
class Scalar(GoType):
    """string, bool and named types over them (container.NetworkMode, mount.Type ...)."""

    name: str
    python: type = str

    def decode(self, value, where: _Where):
        if value is None or (type(value) is self.python):
            return value
        raise where.error(value, self.name)

    def zero(self):
        return self.python()


@dataclass
class Int(GoType):
    name: str
    bits: int = 64
    signed: bool = True

    def decode(self, value, where: _Where):
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise where.error(value, self.name)
        low, high = (-(1 << (self.bits - 1)), (1 << (self.bits - 1)) - 1) if self.signed else (0, (1 << self.bits) - 1)
        if isinstance(value, float) or not low <= value <= high:
            raise where.error(value, self.name, literal=True)
        return value

    def zero(self):
        return 0


@dataclass
class Float(GoType):
    name: str = "float64"

    def decode(self, value, where: _Where):
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise where.error(value, self.name)
        if isinstance(value, float) and math.isinf(value):
            raise where.error(value, self.name, literal=True)
        return value

    def zero(self):
        return 0.0


@dataclass
class _Elements(GoType):
    """A slice or a map: a JSON array or object whose elements are all `elem` (null: its zero)."""

    elem: GoType
    name: str = ""
    json_kind: ClassVar[type] = list
    prefix: ClassVar[str] = "[]"

    def __post_init__(self):
        self.name = self.name or self.prefix + self.elem.name

    def decode(self, value, where: _Where):
        if value is None:
            return None
        if not isinstance(value, self.json_kind):
            raise where.error(value, self.name)
        return self.each(value, lambda item: self.elem.zero() if item is None else self.elem.decode(item, where))

    def each(self, value, one):
        return [one(item) for item in value]


class Slice(_Elements):
    pass


@dataclass
class Array(Slice):
    """A fixed-size Go array ([2]uint): extra elements dropped, missing ones zero."""

    size: int = 0

    def __post_init__(self):
        self.name = f"[{self.size}]{self.elem.name}"

    def decode(self, value, where: _Where):
        items = super().decode(value[:self.size] if isinstance(value, list) else value, where)
        return None if items is None else items + [self.elem.zero()] * (self.size - len(items))


class Map(_Elements):
    json_kind = dict
    prefix = "map[string]"

    def each(self, value, one):
        return {key: one(item) for key, item in value.items()}


@dataclass
class StrSlice(GoType):
    """strslice.StrSlice (Cmd, Entrypoint, Shell, CapAdd): a string or a list of strings; any
    other value is reported as Go's fallback to `string` reports it."""

    name: str = "string"

    def decode(self, value, where: _Where):
        if value is None:
            return None
        if isinstance(value, str):
            return [value]
        if isinstance(value, list) and all(isinstance(item, str) or item is None for item in value):
            return [item or "" for item in value]
        raise where.error(value, "string")


@dataclass
class Struct(GoType):
    """A Go struct: `name` as Go prints the type (`container.HostConfig`), `fields` by their
    JSON names; an embedded struct's fields are simply listed with the others, as Go promotes them."""

    name: str
    fields: dict[str, GoType] = field(default_factory=dict)

    def __post_init__(self):
        self._folded = {}
        for key in self.fields:
            self._folded.setdefault(key.lower(), key)

    @property
    def short_name(self) -> str:
        return self.name.rsplit(".", 1)[-1]

    def decode(self, value, where: _Where):
        if value is None:
            return None
        if not isinstance(value, dict):
            raise where.error(value, self.name)
        out = {}
        for key, item in value.items():
            name = key if key in self.fields else self._folded.get(key.lower())
            if name is None or item is None:
                continue  # Go ignores unknown fields, and null leaves a field unset
            inner = _Where(self.short_name, where.path + (name,), where.root)
            out[name] = self.fields[name].decode(item, inner)
        return out

    def zero(self):
        return {}

    def extended(self, name: str, **fields: GoType) -> "Struct":
        return Struct(name, {**self.fields, **fields})


def decode(value, go_type: GoType):
    """`value` (from gojson.loads) as `go_type`, or GoTypeError in dockerd's words."""
    return go_type.decode(value, _Where(root=go_type.name))
