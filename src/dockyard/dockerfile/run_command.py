"""What a RUN executes (pure): its JSON array, or its shell form under the SHELL in effect,
with here-documents as BuildKit's frontend runs them.

`RUN <<EOF` alone runs the document's content with the shell; a document starting with `#!`
is written to `/dev/pipes/<name>` (mode 0755, a read-only mount) and that file is run. Any
other line with documents (`RUN <<EOF bash`, `RUN <<A cat > a && <<B cat > b`) goes to the
shell with the documents after it, so the shell itself reads them.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any

from dockyard.dockerfile import heredoc
from dockyard.dockerfile.heredoc import Heredoc
from dockyard.dockerfile.metadata import DEFAULT_SHELL, command_of
from dockyard.dockerfile.parser import Instruction

SCRIPT_DIR = "/dev/pipes"


@dataclass(frozen=True)
class RunCommand:
    argv: list[str]
    script: Heredoc | None = None    # written to SCRIPT_DIR/<name> and run from there

    @property
    def script_name(self) -> str:
        return posixpath.basename(self.script.name) if self.script else ""


def run_command(instruction: Instruction, config: dict[str, Any]) -> RunCommand:
    if not instruction.heredocs:
        return RunCommand(command_of(instruction, config))
    shell = list(config.get("Shell") or DEFAULT_SHELL)
    text = instruction.text
    if heredoc.parse_word(text) is not None:
        document = instruction.heredocs[0]
        data = document.text
        if data.startswith("#!"):
            script = Heredoc(document.name, data)
            return RunCommand([*shell, posixpath.join(SCRIPT_DIR, posixpath.basename(document.name))], script)
        return RunCommand([*shell, data])
    full = text + "".join(f"\n{doc.content}{doc.name}" for doc in instruction.heredocs)
    return RunCommand([*shell, full])
