"""`dockyardd`: parse the configuration, take the roots, serve the API until a signal."""

import asyncio
import gc
import logging
import os
import signal
import sys

from dockyard.api.app import Application, all_routes, base_headers
from dockyard.api.server import ConnectionTasks
from dockyard.daemon.wiring import build_services, start_services, stop_services
from dockyard.daemon.config import DaemonConfig, load_config
from dockyard.daemon.listeners import Listener, bind_listeners
from dockyard.daemon.lock import RootLock
from dockyard.daemon.roots import prepare_roots
from dockyard.daemon.services import Services
from dockyard.errors import DockyardError

log = logging.getLogger("dockyardd")


def main(argv: list[str] | None = None) -> int:
    try:
        config = load_config(sys.argv[1:] if argv is None else argv)
    except DockyardError as err:
        print(f"dockyardd: {err}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=getattr(logging, config.log_level.upper().replace("WARN", "WARNING").replace("FATAL", "CRITICAL")),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("pyroute2").setLevel(logging.WARNING)  # its debug output is per netlink message
    logging.getLogger("grpc").setLevel(logging.WARNING)      # and gRPC's per call
    try:
        prepare_roots(config.data_root, config.exec_root)
        lock = RootLock([config.data_root, config.exec_root])
    except (DockyardError, OSError) as err:
        print(f"dockyardd: failed to start daemon: {err}", file=sys.stderr)
        return 1
    try:
        listeners = bind_listeners(config)      # before the host is touched: see listeners.py
    except DockyardError as err:
        lock.release()
        print(f"dockyardd: failed to load listeners: {err}", file=sys.stderr)
        return 1
    try:
        asyncio.run(serve(config, listeners))
    except DockyardError as err:
        print(f"dockyardd: failed to start daemon: {err}", file=sys.stderr)
        return 1
    finally:
        lock.release()
    return 0


async def serve(config: DaemonConfig, listeners: list[Listener]) -> None:
    try:
        services = build_services(config)
        app = Application(all_routes(services))
        handle = ConnectionTasks(app.dispatch, base_headers)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        try:
            await start_services(services)
            cri = await _start_cri(services, config)
        except BaseException:             # a daemon that fails to start leaves no bridge or chain
            await stop_services(services)
            raise
        servers = [await listener.serve(handle) for listener in listeners]
        _freeze_startup_objects()
        _write_pidfile(config)
        log.info("API listening on %s", ", ".join(config.hosts))
        try:
            await stop.wait()
        finally:
            log.info("shutting down")
            for server in servers:
                server.close()
            if cri is not None:
                await cri.stop()
            await stop_services(services)
    finally:
        for listener in listeners:
            listener.close()
        if config.pidfile:
            config.pidfile.unlink(missing_ok=True)


def _freeze_startup_objects() -> None:
    """What startup made (modules, services, adopted containers: ~60,000 objects) lives as long
    as the daemon: out of the collector's sight, a full collection no longer scans it each time
    (with 50 parallel runs, the collector's CPU went from ~200 to ~120 ms per 150 runs, and its
    longest pause, which stalls the event loop, from ~170 to ~95 ms)."""
    gc.collect()
    gc.freeze()


async def _start_cri(services: Services, config: DaemonConfig):
    """The Kubernetes CRI endpoint, when asked for: only then is the gRPC stack loaded."""
    if not config.cri_socket:
        return None
    try:
        from dockyard.cri.server import CriEndpoint, CriSettings
    except ImportError as err:
        raise DockyardError(f"the CRI needs grpcio and its stubs (scripts/setup makes them): {err}") from None
    settings = CriSettings(socket=config.cri_socket, stream_address=config.cri_stream_address,
                           sandbox_image=config.pod_sandbox_image, cni_conf_dir=config.cni_conf_dir,
                           cni_bin_dirs=list(config.cni_bin_dirs), data_root=config.data_root)
    endpoint = CriEndpoint(settings, images=services.images, registries=services.registries,
                           layer_sources=services.layer_sources, containers=services.containers,
                           execs=services.execs, stdio=services.stdio, runner=services.runner)
    await endpoint.start()
    return endpoint


def _write_pidfile(config: DaemonConfig) -> None:
    if config.pidfile:
        config.pidfile.parent.mkdir(parents=True, exist_ok=True)
        config.pidfile.write_text(f"{os.getpid()}\n")


if __name__ == "__main__":
    sys.exit(main())
