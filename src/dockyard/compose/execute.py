"""Performs plan steps through the Python client, one API call each, reporting progress."""

from __future__ import annotations

import os
import sys
import time
from typing import Callable, TextIO

from dockyard.client import Client
from dockyard.client.build_context import chunks_of, context_tar
from dockyard.client import build, containers, networks, volumes
from dockyard.compose.plan import Step
from dockyard.errors import InternalError, NotFound, NotModified

_POLL = 0.1
# action → (what is shown, word shown once done)
_SHOWN = {"build_image": ("Image", "Built"), "create_network": ("Network", "Created"), "create_volume": ("Volume", "Created"),
          "create_container": ("Container", "Created"), "start_container": ("Container", "Started"),
          "stop_container": ("Container", "Stopped"), "restart_container": ("Container", "Restarted"),
          "remove_container": ("Container", "Removed"), "kill_container": ("Container", "Killed"),
          "pause_container": ("Container", "Paused"), "unpause_container": ("Container", "Unpaused"), "remove_network": ("Network", "Removed"),
          "remove_volume": ("Volume", "Removed"), "wait_healthy": ("Container", "Healthy"),
          "wait_completed": ("Container", "Exited")}


class Executor:
    def __init__(self, client: Client, out: TextIO = sys.stderr, pull: Callable[[str], None] | None = None):
        self.client = client
        self.out = out
        self.pull = pull  # image → None: fetch a missing image (None: missing images are an error)
        self.created: dict[str, str] = {}  # container name → ID

    def run(self, steps: list[Step]) -> None:
        for step in steps:
            getattr(self, step.action)(step)
            kind, word = _SHOWN[step.action]
            print(f" \u2714 {kind} {step.target}  {word}", file=self.out, flush=True)

    def build_image(self, step: Step) -> None:
        spec = step.body
        dockerfile_path = os.path.join(spec["context"], spec["dockerfile"])  # compose: relative to the context
        if not os.path.isfile(dockerfile_path):
            raise NotFound(f"failed to build service {step.service}: no Dockerfile at {dockerfile_path}")
        tar, dockerfile = context_tar(spec["context"], dockerfile_path)
        with tar:
            messages = build.build(self.client, chunks_of(tar), tags=[step.target], dockerfile=dockerfile,
                                   nocache=spec["no_cache"], target=spec["target"], build_args=spec["args"],
                                   labels=spec["labels"])
            for message in messages:
                if "errorDetail" in message:
                    raise InternalError(f"failed to build service {step.service}: "
                                        f"{message['errorDetail'].get('message', 'build failed')}")
                if "stream" in message:
                    self.out.write(message["stream"])

    def create_network(self, step: Step) -> None:
        networks.create(self.client, step.body)

    def create_volume(self, step: Step) -> None:
        body = step.body
        volumes.create(self.client, body["Name"], body["Driver"], body.get("DriverOpts"), body.get("Labels"))

    def create_container(self, step: Step) -> None:
        platform = step.platform or None
        try:
            created = containers.create(self.client, step.body, step.target, platform)
        except NotFound as err:
            if "No such image" not in str(err) or self.pull is None:
                raise
            self.pull(step.body["Image"])
            created = containers.create(self.client, step.body, step.target, platform)
        self.created[step.target] = created["Id"]

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
        containers.remove(self.client, step.target, force=True, volumes=bool((step.body or {}).get("volumes")))

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

    def wait_completed(self, step: Step) -> None:
        state = containers.inspect(self.client, step.target)["State"]
        code = state.get("ExitCode", 0)
        if state.get("Running") or state.get("Status") == "created":
            code = int((containers.wait(self.client, step.target).json() or {}).get("StatusCode", 0))
        if code != 0:
            raise InternalError(f"service {step.service} didn't complete successfully: exit {code}")

