"""The `# syntax=` directive (pure): which Dockerfile frontend reads the file.

BuildKit pulls the named frontend image and runs it. dockyard runs no frontend images: its
built-in one serves the stable Dockerfile syntax, so `docker/dockerfile:1` (and `1.x`,
`1.x.y`, `latest`, their `-labs` channels, by tag or digest) is read here as written; any
other image is refused by name rather than silently read with different rules.
"""

from __future__ import annotations

import re

from dockyard.errors import InvalidArgument

_SERVED = re.compile(
    r"(?:docker\.io/)?docker/dockerfile"
    r"(?::(?:1(?:\.\d+){0,2}(?:-labs)?|latest|labs))?"
    r"(?:@sha256:[0-9a-f]{64})?")


def check_syntax(value: str | None) -> None:
    if value is None:
        return
    image = value.split(None, 1)[0] if value.strip() else ""
    if not _SERVED.fullmatch(image):
        raise InvalidArgument(
            f"unsupported Dockerfile syntax {image!r} (# syntax={value}): this daemon's builder serves "
            "the built-in docker/dockerfile:1 syntax only and runs no frontend images")
