"""Listening sockets from `-H` addresses: unix sockets, and TCP with optional mutual TLS.

They are bound before the daemon touches the host (bridge, iptables, containers), as dockerd
loads its listeners first: a certificate that does not load, a busy port or an unknown
`--group` stops the daemon with nothing to undo. Serving starts once the services are up;
clients that connect meanwhile wait in the accept queue.
"""

import asyncio
import grp
import logging
import os
import socket
import ssl
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from dockyard.api.tls import TlsStream
from dockyard.daemon.config import DEFAULT_SOCKET_GROUP, DaemonConfig
from dockyard.errors import InvalidArgument

log = logging.getLogger(__name__)
# Go's listeners (dockerd's) take net.core.somaxconn; asyncio's default of 100 makes a burst of
# clients (500 parallel `docker exec`) fail with EAGAIN. The kernel caps it at somaxconn.
LISTEN_BACKLOG = 4096
SOCKET_MODE = 0o660
# dockerd 20.10 pauses a second after these, so that they are seen; so do we.
PLAIN_TCP_WARNINGS = (
    "Binding to IP address without --tlsverify is insecure and gives root access on this machine "
    "to everyone who has access to your network.",
    "Binding to an IP address, even on localhost, can also give access to scripts run in a browser. "
    "Be safe out there!",
)
PLAIN_TCP_PAUSE = 1.0


@dataclass
class Listener:
    host: str
    sock: socket.socket
    tls: ssl.SSLContext | None = None

    async def serve(self, handle) -> asyncio.AbstractServer:
        if self.sock.family == socket.AF_UNIX:
            return await asyncio.start_unix_server(handle, sock=self.sock, backlog=LISTEN_BACKLOG)
        return await asyncio.start_server(handle if self.tls is None else _over_tls(handle, self.tls),
                                          sock=self.sock, backlog=LISTEN_BACKLOG)

    def close(self) -> None:
        """Close the socket and remove a unix socket's file."""
        self.sock.close()
        if self.host.startswith("unix://"):
            Path(self.host[len("unix://"):]).unlink(missing_ok=True)


def bind_listeners(config: DaemonConfig) -> list[Listener]:
    """Every `-H` address bound and listening (nothing is served yet); InvalidArgument when one
    cannot be, with the ones already bound closed again."""
    listeners: list[Listener] = []
    try:
        for host in config.hosts:
            listeners.append(_bind(host, config))
    except BaseException:
        for listener in listeners:
            listener.close()
        raise
    return listeners


def _bind(host: str, config: DaemonConfig) -> Listener:
    if host.startswith("unix://"):
        path = Path(host[len("unix://"):])
        return Listener(host, _unix_socket(path, socket_gid(config.group, path)))
    if host.startswith("tcp://"):
        address = urlsplit(host)
        if not address.hostname or not address.port:
            raise InvalidArgument(f"invalid host {host!r}: expected tcp://addr:port")
        context = tls_context(config)
        if context is None or context.verify_mode != ssl.CERT_REQUIRED:
            for warning in PLAIN_TCP_WARNINGS:
                log.warning("%s host=%r", warning, host)
            time.sleep(PLAIN_TCP_PAUSE)
        return Listener(host, _tcp_socket(host, address.hostname, address.port), context)
    raise InvalidArgument(f"unsupported host {host!r}")


def _tcp_socket(host: str, hostname: str, port: int) -> socket.socket:
    try:   # one address, IPv4 first, as Go's net.Listen (dockerd's) takes for a host name
        found = socket.getaddrinfo(hostname, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, proto, _, address = min(found, key=lambda a: a[0] != socket.AF_INET)
        sock = socket.socket(family, kind, proto)
    except OSError as err:
        raise InvalidArgument(f"failed to listen on {host}: {err}") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(LISTEN_BACKLOG)
    except OSError as err:
        sock.close()
        raise InvalidArgument(f"failed to listen on {host}: {err.strerror}") from None
    return sock


def _unix_socket(path: Path, gid: int) -> socket.socket:
    """root:<gid>, mode 0660 from the start: it is created under umask 0777 (at start-up, before
    the daemon has threads), so it is never open to others, as go-connections' sockets do."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_socket():
        path.unlink()  # stale: our root lock proves no live daemon owns it
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    previous = os.umask(0o777)
    try:
        sock.bind(str(path))
    except OSError as err:
        sock.close()
        raise InvalidArgument(f"failed to listen on unix://{path}: {err.strerror}") from None
    finally:
        os.umask(previous)
    os.chown(path, 0, gid)
    os.chmod(path, SOCKET_MODE)
    sock.listen(LISTEN_BACKLOG)
    return sock


def socket_gid(group: str, path: Path) -> int:
    """`--group`: a group name or number from the group file. The default group (`docker`) may
    be missing: the socket then stays the daemon's (root's), with a warning, as with dockerd."""
    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        pass
    if group.isdigit():
        try:
            return grp.getgrgid(int(group)).gr_gid
        except KeyError:
            log.warning("Could not find GID %s", group)
            return int(group)
    if group == DEFAULT_SOCKET_GROUP:
        log.warning("could not change group %s to %s: group %s not found", path, group, group)
        return os.getgid()
    raise InvalidArgument(f"group {group} not found")


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


def tls_context(config: DaemonConfig) -> ssl.SSLContext | None:
    if not (config.tlscert and config.tlskey):
        if config.tlsverify:
            raise InvalidArgument("--tlsverify needs --tlscert and --tlskey")
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(config.tlscert, config.tlskey)
    except (OSError, ssl.SSLError) as err:
        raise InvalidArgument(f"could not load X509 key pair (cert: {config.tlscert!r}, "
                              f"key: {config.tlskey!r}): {err}") from None
    if config.tlsverify:
        if not config.tlscacert:
            raise InvalidArgument("--tlsverify needs --tlscacert")
        try:
            context.load_verify_locations(config.tlscacert)
        except (OSError, ssl.SSLError) as err:
            raise InvalidArgument(f"could not read CA certificate {config.tlscacert!r}: {err}") from None
        context.verify_mode = ssl.CERT_REQUIRED
    return context
