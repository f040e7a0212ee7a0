"""The platforms a build may target: this host's only.

BuildKit builds for another platform by pulling that platform's base images and running their
RUN steps under QEMU; dockyard has no emulation, so `--platform` and `FROM --platform` must name
this host's platform (`$BUILDPLATFORM`, `$TARGETPLATFORM` and the like do) and anything else is
refused by name rather than built for the host.
"""

from __future__ import annotations

from dockyard.errors import InvalidArgument
from dockyard.images.importer import parse_platform
from dockyard.oci.image import host_architecture


def host_platform() -> str:
    return "linux/" + host_architecture()


def build_platform(value: str, what: str = "--platform") -> str:
    """`value` (`linux/amd64`, `linux`, ...) normalised, if it is this host's platform."""
    _, arch, variant = parse_platform(value)
    if arch not in (None, host_architecture()):
        raise InvalidArgument(f"{what}={value}: this daemon builds for {host_platform()} only "
                              "(building for another platform needs emulation, which it does not have)")
    return "/".join(part for part in ("linux", arch or host_architecture(), variant) if part)
