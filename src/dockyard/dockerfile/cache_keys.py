"""Build cache keys (pure): a step is reused when its parent image and everything that decides
its result match — the instruction as Docker records it in history (which names the copied
files' checksum for COPY/ADD and the build args for RUN) plus the options that history leaves
out (`--chown`, `--chmod`, network mode, ...)."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def step_key(parent_id: str, created_by: str, extra: dict[str, Any] | None = None) -> str:
    document = json.dumps([parent_id, created_by, extra or {}], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(document.encode()).hexdigest()
