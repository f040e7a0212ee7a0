"""The CRI's ImageService on the Engine API's image store: what the kubelet pulls is what
`docker images` lists, and the other way round."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import threading
import time
from dataclasses import dataclass, field

from dockyard.cri.generated import api_pb2 as cri
from dockyard.cri.generated import api_pb2_grpc
from dockyard.cri.rpc import rpc
from dockyard.errors import InvalidArgument, NotFound
from dockyard.images import pull
from dockyard.oci import reference
from dockyard.registry.credentials import ANONYMOUS, Credentials
from dockyard.registry.hosts import first_answer

log = logging.getLogger(__name__)


@dataclass
class _Pull:
    """One caller's pull: whether the caller left, whether the pull made the image."""
    cancelled: threading.Event = field(default_factory=threading.Event)
    created: bool = False


class CriImages:
    """Image lookups and pulls in CRI terms, shared by both CRI services."""

    def __init__(self, images, registries, layer_sources, sandbox_image: str):
        self.images, self.registries, self.layer_sources = images, registries, layer_sources
        self.sandbox_image = sandbox_image
        self._pulls: dict[str, asyncio.Lock] = {}
        self._tasks: set[asyncio.Task] = set()

    def find(self, name: str):
        """The record `name` (a reference or an ID) names, or None."""
        if not name:
            raise InvalidArgument("image name must not be empty")
        try:
            return self.images.resolve(name)
        except (NotFound, InvalidArgument):
            return None

    def describe(self, record) -> cri.Image:
        config = self.images.config(record.id)
        uid, username = image_user((config.get("config") or {}).get("User") or "")
        tags = [str(t) for t in self.images.tags(record.id)]
        image = cri.Image(id=record.id, repo_tags=tags, repo_digests=list(record.repo_digests),
                          size=record.size, username=username, spec=cri.ImageSpec(image=record.id),
                          pinned=self._pinned(tags))
        if uid is not None:
            image.uid.value = uid
        return image

    def _pinned(self, tags: list[str]) -> bool:
        """The sandbox image, which the kubelet's image GC must not remove (as containerd pins it)."""
        try:
            return str(reference.parse(self.sandbox_image).with_default_tag()) in tags
        except InvalidArgument:
            return False

    async def pull(self, name: str, credentials: Credentials = ANONYMOUS) -> str:
        """Pull `name` (`latest` when untagged) through the mirrors; its image ID. A caller that
        goes away (a deadline) leaves no image behind: the pull stops, or is undone if it had
        already finished. Pulls of one reference (and undoing them) take turns."""
        ref = reference.parse(name).with_default_tag()
        state = _Pull()
        pulling = self._spawn(self._pull_in_turn(ref, credentials, state))
        try:
            return await asyncio.shield(pulling)
        except asyncio.CancelledError:
            state.cancelled.set()
            if pulling.done() and not pulling.cancelled() and pulling.exception() is None and state.created:
                self._spawn(self._in_turn(ref, lambda: self.images.remove(str(ref))))
            raise

    async def _pull_in_turn(self, ref, credentials: Credentials, state: _Pull) -> str:
        async with self._turn(ref):
            was_here = self.find(str(ref)) is not None

            def work() -> str:
                plan = first_answer(self.registries.pull_sources(ref, credentials), lambda c: pull.resolve(c, ref))
                pull.pull(self.images, self.layer_sources, plan, lambda _: None, state.cancelled)
                if state.cancelled.is_set() and not was_here:
                    self.images.remove(str(ref))
                    raise InvalidArgument("pull cancelled")
                return self.images.resolve(str(ref)).id

            image_id = await asyncio.to_thread(work)
            state.created = not was_here
            return image_id

    async def _in_turn(self, ref, work) -> None:
        async with self._turn(ref):
            await asyncio.to_thread(work)

    def _turn(self, ref) -> asyncio.Lock:
        return self._pulls.setdefault(str(ref), asyncio.Lock())

    def _spawn(self, coroutine) -> asyncio.Task:
        """A task held until done (asyncio holds tasks weakly), its failure read and logged."""
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)

        def done(finished: asyncio.Task) -> None:
            self._tasks.discard(finished)
            if not finished.cancelled() and finished.exception() is not None:
                log.debug("image pull: %s", finished.exception())
        task.add_done_callback(done)
        return task

    async def ensure(self, name: str) -> str:
        """The image ID of `name`, pulled first if it is not here (the sandbox image)."""
        record = self.find(name)
        return record.id if record is not None else await self.pull(name)


class ImageServicer(api_pb2_grpc.ImageServiceServicer):
    def __init__(self, images: CriImages, data_root: str):
        self._images, self._data_root = images, data_root
        self._removing = asyncio.Lock()   # a removal returns only once the image is gone, for every caller

    @rpc
    async def ListImages(self, request, context):
        wanted = request.filter.image.image if request.HasField("filter") else ""
        records = self._images.images.store.all()
        if wanted:
            found = self._images.find(wanted)
            records = [found] if found is not None else []
        return cri.ListImagesResponse(images=[self._images.describe(r) for r in records])

    @rpc
    async def ImageStatus(self, request, context):
        record = self._images.find(request.image.image)
        if record is None:
            return cri.ImageStatusResponse()
        response = cri.ImageStatusResponse(image=self._images.describe(record))
        if request.verbose:
            config = self._images.images.config(record.id)
            response.info["info"] = json.dumps({"imageSpec": config, "chainID": record.top_chain or ""})
        return response

    @rpc(cancellable=True)
    async def PullImage(self, request, context):
        image_id = await self._images.pull(request.image.image, credentials(request.auth))
        return cri.PullImageResponse(image_ref=image_id)

    @rpc
    async def RemoveImage(self, request, context):
        """Every tag goes with the image, as containerd does (the kubelet removes by ID)."""
        async with self._removing:
            record = self._images.find(request.image.image)
            if record is not None:
                await asyncio.to_thread(self._images.images.remove, record.id, True)
        return cri.RemoveImageResponse()

    @rpc
    async def ImageFsInfo(self, request, context):
        usage = await asyncio.to_thread(self._filesystem_usage)
        return cri.ImageFsInfoResponse(image_filesystems=[usage], container_filesystems=[usage])

    def _filesystem_usage(self) -> cri.FilesystemUsage:
        mountpoint = os.path.join(self._data_root, "snapshots")
        usage = cri.FilesystemUsage(timestamp=time.time_ns(), fs_id=cri.FilesystemIdentifier(mountpoint=mountpoint))
        usage.used_bytes.value = self._images.images.layers_size()
        stat = os.statvfs(mountpoint)
        usage.inodes_used.value = max(0, stat.f_files - stat.f_ffree)
        return usage


def image_user(user: str) -> tuple[int | None, str]:
    """An image's `User` as the CRI reports it: a numeric user is a uid, else a name (a group
    after the colon is not reported)."""
    name = user.split(":", 1)[0]
    if not name:
        return None, ""
    return (int(name), "") if name.isdigit() else (None, name)


def credentials(auth: cri.AuthConfig) -> Credentials:
    username, password = auth.username, auth.password
    if auth.auth and not username:
        try:
            username, _, password = base64.b64decode(auth.auth).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            raise InvalidArgument("invalid auth: not base64 of user:password") from None
    return Credentials(username=username, password=password, identity_token=auth.identity_token,
                       registry_token=auth.registry_token, server=auth.server_address)
