"""Performs plan steps through the Python client, one API call each, reporting progress."""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Callable, TextIO

from dockyard.client import Client
from dockyard.client.build_context import chunks_of, context_tar
from dockyard.client import build, containers, images, networks, volumes
from dockyard.compose import labels as L
from dockyard.compose.plan import Step
from dockyard.errors import InternalError, NotFound, NotModified

_POLL = 0.1
# action → (what is shown, word while it runs, word once done), as compose v2's plain progress
_SHOWN = {"build_image": ("Image", "Building", "Built"), "create_network": ("Network", "Creating", "Created"),
          "create_volume": ("Volume", "Creating", "Created"), "create_container": ("Container", "Creating", "Created"),
          "start_container": ("Container", "Starting", "Started"),
          "stop_container": ("Container", "Stopping", "Stopped"),
          "restart_container": ("Container", "Restarting", "Started"),
          "remove_container": ("Container", "Removing", "Removed"),
          "kill_container": ("Container", "Killing", "Killed"),
          "pause_container": ("Container", "Pausing", "Paused"),
          "unpause_container": ("Container", "Unpausing", "Unpaused"),
          "remove_network": ("Network", "Removing", "Removed"), "remove_volume": ("Volume", "Removing", "Removed"),
          "wait_healthy": ("Container", "Waiting", "Healthy"), "wait_completed": ("Container", "Waiting", "Exited"),
          "wait_running": ("Container", "Waiting", "Healthy"), "remove_image": ("Image", "Removing", "Removed"),
          "keep_running": ("Container", "", "Running"), "pull_image": ("Image", "Pulling", "Pulled")}


class Executor:
    """`progress`: compose v2's `--progress` plain (also for auto), quiet or json; `dry_run` shows
    the steps without making their calls (`--dry-run`)."""

    def __init__(self, client: Client, out: TextIO = sys.stderr, pull: Callable[[str], None] | None = None,
                 progress: str = "plain", dry_run: bool = False):
        self.client = client
        self.out = out
        self.progress, self.dry_run = progress, dry_run
        self.pull = pull  # image → None: fetch a missing image (None: missing images are an error)
        self.created: dict[str, str] = {}  # container name → ID
        self.wait_until: tuple[float, str] | None = None  # `up --wait-timeout`: (monotonic deadline, as given)

    def run(self, steps: list[Step]) -> None:
        for step in steps:
            kind, working, done = _SHOWN[step.action]
            if working:
                self._show(f"{kind} {step.target}", "Working", working)
            if not self.dry_run:
                getattr(self, step.action)(step)
            self._show(f"{kind} {step.target}", "Done", done)

    def _show(self, what: str, status: str, text: str) -> None:
        if self.progress == "json":
            line = json.dumps({"id": what, "status": status, "text": text}, separators=(",", ":"))
        elif self.progress == "quiet":
            return
        else:
            line = f" {what} {text} "
        print(line, file=self.out, flush=True)

    def pull_image(self, step: Step) -> None:
        if self.pull is None:
            raise InternalError(f"cannot pull {step.target} here")
        self.pull(step.target)

    def keep_running(self, step: Step) -> None:
        pass  # up to date and running: only reported

    def build_image(self, step: Step) -> None:
        spec = step.body or {}
        dockerfile_path = os.path.join(spec["context"], spec["dockerfile"])  # compose: relative to the context
        if not os.path.isfile(dockerfile_path):
            raise NotFound(f"failed to build service {step.service}: no Dockerfile at {dockerfile_path}")
        tar, dockerfile = context_tar(spec["context"], dockerfile_path)
        with tar:
            messages = build.build(self.client, chunks_of(tar), tags=[step.target], dockerfile=dockerfile,
                                   nocache=spec["no_cache"], target=spec["target"], build_args=spec["args"],
                                   labels=spec["labels"], pull=spec.get("pull", False),
                                   memory=spec.get("memory", 0))
            for message in messages:
                if "errorDetail" in message:
                    raise InternalError(f"failed to build service {step.service}: "
                                        f"{message['errorDetail'].get('message', 'build failed')}")
                if "stream" in message and not spec.get("quiet"):
                    self.out.write(message["stream"])

    def create_network(self, step: Step) -> None:
        networks.create(self.client, step.body or {})

    def create_volume(self, step: Step) -> None:
        body = step.body or {}
        volumes.create(self.client, body["Name"], body["Driver"], body.get("DriverOpts"), body.get("Labels"))

    def create_container(self, step: Step) -> None:
        given = step.body or {}
        body = {**given, "Labels": {**given["Labels"], L.IMAGE: self._image_id(given["Image"])}}
        created = containers.create(self.client, body, step.target, step.platform or None)
        self.created[step.target] = created["Id"]
        for file in step.files:
            containers.put_archive(self.client, created["Id"], "/", iter([file.tar()]),
                                   copy_uid_gid=bool(file.uid or file.gid))

    def _image_id(self, image: str) -> str:
        """The image's ID (compose v2's `image` label), pulled first when missing and pulling is allowed."""
        try:
            return images.inspect_image(self.client, image)["Id"]
        except NotFound:
            if self.pull is None:
                raise
        self.pull(image)
        return images.inspect_image(self.client, image)["Id"]

    def start_container(self, step: Step) -> None:
        try:
            containers.start(self.client, step.target)
        except NotModified:
            pass  # already running

    def stop_container(self, step: Step) -> None:
        try:
            containers.stop(self.client, step.target, (step.body or {}).get("timeout"))
        except NotModified:
            pass

    def restart_container(self, step: Step) -> None:
        containers.restart(self.client, step.target, (step.body or {}).get("timeout"))

    def kill_container(self, step: Step) -> None:
        containers.kill(self.client, step.target, (step.body or {}).get("signal"))

    def pause_container(self, step: Step) -> None:
        containers.pause(self.client, step.target)

    def unpause_container(self, step: Step) -> None:
        containers.unpause(self.client, step.target)

    def remove_container(self, step: Step) -> None:
        try:
            containers.remove(self.client, step.target, force=True, volumes=bool((step.body or {}).get("volumes")))
        except NotFound:
            pass  # a `run --rm` one-off removes itself once stopped

    def remove_network(self, step: Step) -> None:
        networks.remove(self.client, step.target)

    def remove_volume(self, step: Step) -> None:
        volumes.remove(self.client, step.target)

    def wait_healthy(self, step: Step) -> None:
        while True:
            state = containers.inspect(self.client, step.target)["State"]
            health = (state.get("Health") or {}).get("Status")
            if health == "healthy":
                return
            if health is None:
                raise InternalError(f"container {step.target} has no healthcheck configured")
            if health == "unhealthy" or not state.get("Running"):
                raise InternalError(f"dependency failed to start: container {step.target} is unhealthy")
            time.sleep(_POLL)

    def remove_image(self, step: Step) -> None:
        try:
            images.remove(self.client, step.target)
        except NotFound:
            pass

    def wait_running(self, step: Step) -> None:
        """`up --wait`: running (healthy when it has a health check), or exited 0 for a service
        another waits on to complete; compose v2's errors otherwise."""
        completed = (step.body or {}).get("completed")
        while True:
            inspected = containers.inspect(self.client, step.target)
            state = inspected["State"]
            if state.get("Status") == "exited":
                if completed and state.get("ExitCode") == 0:
                    return
                raise InternalError(f"container {step.target} exited ({state.get('ExitCode', 0)})")
            test = (inspected["Config"].get("Healthcheck") or {}).get("Test") or []
            health = (state.get("Health") or {}).get("Status")
            if (not test or test[0] == "NONE") and state.get("Status") == "running" and not completed:
                return
            if health == "healthy":
                return
            if health == "unhealthy":
                raise InternalError(f"container {step.target} is unhealthy")
            if self.wait_until is not None and time.monotonic() > self.wait_until[0]:
                raise InternalError(f"application not healthy after {self.wait_until[1]}")
            time.sleep(_POLL)

    def wait_completed(self, step: Step) -> None:
        state = containers.inspect(self.client, step.target)["State"]
        code = state.get("ExitCode", 0)
        if state.get("Running") or state.get("Status") == "created":
            code = int((containers.wait(self.client, step.target).json() or {}).get("StatusCode", 0))
        if code != 0:
            raise InternalError(f"service {step.service} didn't complete successfully: exit {code}")

