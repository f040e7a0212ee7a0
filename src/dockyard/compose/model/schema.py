"""Validation against the Compose Specification's JSON schema (`compose-spec.json`, the one compose
v2 embeds), with compose v2's error texts: the most specific error, `services.web.ports.0 must be
a number`, `services.web.build additional properties 'foo' not allowed` (pure)."""

from __future__ import annotations

import functools
import json
import re
from importlib import resources

import jsonschema
from typing import Any

from dockyard.compose.model.durations import duration_ns
from dockyard.errors import InvalidArgument


def validate(document: dict, path: str) -> None:
    """Raise InvalidArgument(`validating <path>: <error>`) unless `document` fits the schema."""
    errors = list(_validator().iter_errors(document))
    if errors:
        raise InvalidArgument(f"validating {path}: {describe(_most_specific(errors))}")


@functools.cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(resources.files(__package__).joinpath("compose-spec.json").read_text())
    checker = jsonschema.FormatChecker(formats=())
    checker.checks("duration", raises=InvalidArgument)(_is_duration)
    return jsonschema.Draft202012Validator(schema, format_checker=checker)


def _is_duration(value) -> bool:
    if isinstance(value, str):
        duration_ns(value)
    return True


def _most_specific(errors) -> jsonschema.ValidationError:
    """compose-go's pick among an error's causes (santhosh-tekuri/jsonschema): the deepest
    instance location, an unknown property counting one deeper; the first of equals."""
    best: jsonschema.ValidationError | None = None
    best_depth = -1
    for error in errors:
        error = _most_specific(error.context) if error.context else error
        depth = len(error.absolute_path) + (error.validator in ("additionalProperties", "unevaluatedProperties"))
        if depth > best_depth:
            best, best_depth = error, depth
    assert best is not None  # asked about one error or more
    return best


def describe(error: jsonschema.ValidationError) -> str:
    where = ".".join(str(p) for p in error.absolute_path)
    kind, want = error.validator, error.validator_value
    if kind == "type":
        return f"{where} must be a {_type_words(want)}"
    if kind == "unevaluatedProperties":  # reported at the property, against the `false` schema
        return f"{where}.{sorted(_unexpected(error))[0]} false schema".lstrip(".")
    if kind in ("minimum", "maximum"):
        return f"{where} must be {'greater' if kind == 'minimum' else 'less'} than or equal to {want}"
    return f"{where} {_text(error)}"


def _type_words(want) -> str:
    names = [want] if isinstance(want, str) else list(want)
    words = sorted("mapping" if n == "object" else n for n in names)
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def _text(error: jsonschema.ValidationError) -> str:
    """santhosh-tekuri's English texts for the other kinds of error."""
    kind = error.validator
    want: Any = error.validator_value
    instance: Any = error.instance
    if kind == "additionalProperties":
        extra = sorted(_unexpected(error))
        return f"additional properties {', '.join(repr(k) for k in extra)} not allowed"
    if kind == "required":
        missing = [k for k in want if isinstance(instance, dict) and k not in instance]
        noun = "property" if len(missing) == 1 else "properties"
        return f"missing {noun} {', '.join(repr(k) for k in missing)}"
    if kind == "pattern":
        return f"{instance!r} does not match pattern {want!r}"
    if kind == "enum":
        return f"value must be one of {', '.join(json.dumps(v) for v in want)}"
    if kind == "const":
        return f"value must be {json.dumps(want)}"
    if kind == "uniqueItems":
        first, second = _duplicates(instance)
        return f"items at {first} and {second} are equal"
    if kind == "minItems":
        return f"minItems: got {len(instance)}, want {want}"
    if kind == "format":
        return f"{instance!r} is not valid {want}"
    if kind in ("oneOf", "anyOf"):
        return f"'{kind}' failed, none matched"
    if error.validator is None or error.message.startswith("False schema"):
        return "false schema"
    return error.message


def _unexpected(error: jsonschema.ValidationError) -> list[str]:
    """The instance's keys its schema neither names nor matches by pattern."""
    schema = error.schema if isinstance(error.schema, dict) else {}
    named, patterns = schema.get("properties") or {}, schema.get("patternProperties") or {}
    instance: Any = error.instance
    return [str(k) for k in instance or {}
            if k not in named and not any(re.search(p, str(k)) for p in patterns)]


def _duplicates(items: list) -> tuple[int, int]:
    for i, item in enumerate(items):
        for j in range(i + 1, len(items)):
            if items[j] == item:
                return i, j
    return 0, 0
