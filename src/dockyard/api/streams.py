"""Content types of attach and log streams, which depend on the negotiated API version."""

from dockyard.api.responses import MULTIPLEXED_STREAM, RAW_STREAM


def stdio_content_type(api_version: tuple[int, int], tty: bool) -> str:
    """At API < 1.42 dockerd says raw-stream for everything (and nothing for logs)."""
    if api_version < (1, 42):
        return RAW_STREAM
    return RAW_STREAM if tty else MULTIPLEXED_STREAM
