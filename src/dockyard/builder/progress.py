"""The JSON-lines a classic build sends (engine-api.md §8): `stream` text, `aux` image IDs,
and in quiet mode nothing but the final ID."""

from __future__ import annotations

from typing import Callable

from dockyard.oci.digest import short_id


class BuildProgress:
    def __init__(self, send: Callable[[dict], None], quiet: bool):
        self._send, self.quiet = send, quiet

    def text(self, text: str) -> None:
        if not self.quiet and text:
            self._send({"stream": text})

    def message(self, message: dict) -> None:
        """A progress message of another operation (a base image's pull), passed on as it is."""
        if not self.quiet:
            self._send(message)

    def planned(self, plan) -> None:
        """The plan, before the first step (BuildKit's progress numbers steps per stage)."""

    def step(self, number: int, total: int, original: str, shown: str = "") -> None:
        """`shown`: the step with its variables expanded (BuildKit's name; dockerd's classic
        builder prints it as written)."""
        self.text(f"Step {number}/{total} : {original}")
        self.text("\n")

    def image(self, image_id: str | None) -> None:
        self.text(f" ---> {short_id(image_id) if image_id else ''}\n")

    def using_cache(self) -> None:
        self.text(" ---> Using cache\n")

    def output(self, stream: int, data: bytes) -> None:
        """A RUN's output; stderr in red, as dockerd marks it (`\x1b[91m...\x1b[0m`)."""
        text = data.decode("utf-8", "replace")
        self.text(f"\x1b[91m{text}\x1b[0m" if stream == 2 else text)

    def stage_started(self, index: int) -> None:
        """Stage `index` of the plan begins (its FROM step comes next); the classic stream does
        not say it, BuildKit's progress names steps by their stage."""

    def stage_done(self, image_id: str | None) -> None:
        if not self.quiet and image_id:
            self._send({"aux": {"ID": image_id}})

    def finished(self, image_id: str, tags: list[str]) -> None:
        if self.quiet:
            self._send({"stream": image_id + "\n"})
            return
        self.text(f"Successfully built {short_id(image_id)}\n")
        for tag in tags:
            self.text(f"Successfully tagged {tag}\n")
