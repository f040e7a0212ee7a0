"""A service's secrets and configs in its containers, as compose v2 puts them there: file sources
bind-mounted read-only; inline `content` and `environment` sources written into the created
container (a tar of one file, mode 0444 unless `mode`, owned by `uid`/`gid`) before it starts (pure)."""

from __future__ import annotations

import io
import tarfile
import time
from dataclasses import dataclass

from dockyard.compose.model.types import Project, Service
from dockyard.errors import InvalidArgument


@dataclass(frozen=True)
class Injected:
    """One file written into a container before its start."""
    target: str
    content: str
    uid: str = ""
    gid: str = ""
    mode: int | None = None

    def tar(self) -> bytes:
        data = self.content.encode()
        info = tarfile.TarInfo(self.target.lstrip("/"))
        info.size, info.mode, info.mtime = len(data), 0o444 if self.mode is None else self.mode, int(time.time())
        info.uid, info.gid = int(self.uid or 0), int(self.gid or 0)
        out = io.BytesIO()
        with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as tar:
            tar.addfile(info, io.BytesIO(data))
        return out.getvalue()


def _uses(project: Project, service: Service):
    for kind, refs, defined in (("secret", service.secrets, project.secrets),
                                ("config", service.configs, project.configs)):
        for ref in refs:
            source = defined[ref.source]
            if source.external:
                raise InvalidArgument(f"unsupported external {kind} {source.name}")
            if source.driver:
                raise InvalidArgument(f"Docker Compose does not support {kind}s.*.driver")
            yield kind, ref, source


def bind_mounts(project: Project, service: Service, taken: set[str]) -> list[dict]:
    """The read-only binds of file sources, after the service's own volumes (which win a target)."""
    mounts: dict[str, dict] = {}
    for _, ref, source in _uses(project, service):
        if source.file and ref.target not in taken and ref.target not in mounts:
            mounts[ref.target] = {"Type": "bind", "Source": source.file, "Target": ref.target, "ReadOnly": True}
    return list(mounts.values())


def injected(project: Project, service: Service) -> tuple[Injected, ...]:
    files = []
    for kind, ref, source in _uses(project, service):
        if source.file:
            continue
        if source.content is None:
            raise InvalidArgument(f'environment variable "{source.environment}" required by {kind} '
                                  f'"{source.name}" is not set')
        if service.read_only:
            raise InvalidArgument(f'cannot create {kind} "{source.name}" in read-only service {service.name}: '
                                  f'`file` is the sole supported option')
        files.append(Injected(ref.target, source.content, ref.uid, ref.gid, ref.mode))
    return tuple(files)

