"""Listening sockets from `-H` addresses: unix sockets, and TCP with optional mutual TLS."""

import asyncio
import logging
import os
import ssl
from pathlib import Path
from urllib.parse import urlsplit

from dockyard.api.tls import TlsStream
from dockyard.daemon.config import DaemonConfig
from dockyard.errors import InvalidArgument

log = logging.getLogger(__name__)
# Go's listeners (dockerd's) take net.core.somaxconn; asyncio's default of 100 makes a burst of
# clients (500 parallel `docker exec`) fail with EAGAIN. The kernel caps it at somaxconn.
LISTEN_BACKLOG = 4096


async def open_listener(host: str, handle, config: DaemonConfig) -> asyncio.AbstractServer:
    if host.startswith("unix://"):
        return await _unix(Path(host[len("unix://"):]), handle)
    if host.startswith("tcp://"):
        address = urlsplit(host)
        if not address.hostname or not address.port:
            raise InvalidArgument(f"invalid host {host!r}: expected tcp://addr:port")
        context = _tls_context(config)
        return await asyncio.start_server(handle if context is None else _over_tls(handle, context),
                                          address.hostname, address.port, backlog=LISTEN_BACKLOG)
    raise InvalidArgument(f"unsupported host {host!r}")


def _over_tls(handle, context: ssl.SSLContext):
    async def accept(reader, writer) -> None:
        try:
            stream = await TlsStream.accept(reader, writer, context)
        except (ssl.SSLError, OSError, asyncio.TimeoutError) as err:
            log.info("TLS handshake with %s failed: %s", writer.get_extra_info("peername"), err)
            writer.close()
            return
        await handle(stream, stream)
    return accept


async def _unix(path: Path, handle) -> asyncio.AbstractServer:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_socket():
        path.unlink()  # stale: our root lock proves no live daemon owns it
    server = await asyncio.start_unix_server(handle, str(path), backlog=LISTEN_BACKLOG)
    os.chmod(path, 0o660)
    return server


def _tls_context(config: DaemonConfig) -> ssl.SSLContext | None:
    if not (config.tlscert and config.tlskey):
        if config.tlsverify:
            raise InvalidArgument("--tlsverify needs --tlscert and --tlskey")
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(config.tlscert, config.tlskey)
    if config.tlsverify:
        if not config.tlscacert:
            raise InvalidArgument("--tlsverify needs --tlscacert")
        context.load_verify_locations(config.tlscacert)
        context.verify_mode = ssl.CERT_REQUIRED
    return context


def unix_paths(hosts: list[str]) -> list[Path]:
    return [Path(h[len("unix://"):]) for h in hosts if h.startswith("unix://")]
