"""A pod's network namespace on the configured CNI network: ADD through the plugin chain when
the pod starts, DEL in reverse order when it stops. Each ADD's list and result are kept (under
the data root), so the DEL undoes what was done even if the configuration changed since."""

from __future__ import annotations

import asyncio
import json
import logging
import os
from typing import Any
from pathlib import Path

from dockyard.errors import DockyardError, NotFound
from dockyard.metadata.records import RecordStore
from dockyard.network.cni import config as cni_config
from dockyard.network.cni import plugins

log = logging.getLogger(__name__)
IFNAME = "eth0"


class PodNetworks:
    def __init__(self, conf_dir: Path, bin_dirs: list[str], cache_dir: Path):
        self.conf_dir, self.bin_dirs = Path(conf_dir), list(bin_dirs)
        self._results = RecordStore(str(cache_dir))

    def write_default(self) -> None:
        """The daemon's own network when the directory has none (as containerd's conf template)."""
        self.conf_dir.mkdir(parents=True, exist_ok=True)
        if cni_config.choose(os.listdir(self.conf_dir)) is None:
            path = self.conf_dir / cni_config.DEFAULT_FILE
            path.write_text(json.dumps(cni_config.default_list(), indent=2) + "\n")
            log.info("wrote the default CNI network to %s", path)

    def network(self) -> cni_config.NetworkList:
        try:
            name = cni_config.choose(os.listdir(self.conf_dir))
        except FileNotFoundError:
            name = None
        if name is None:
            raise NotFound(f"no network config found in {self.conf_dir}")
        path = self.conf_dir / name
        return cni_config.parse(path.read_text(), str(path))

    def status(self) -> str:
        """Why pods cannot be networked, or "" when they can (the runtime's NetworkReady)."""
        try:
            network = self.network()
            for plugin in network.plugins:
                plugins.find(plugin["type"], self.bin_dirs)
        except DockyardError as err:
            return err.message
        return ""

    async def attach(self, pod_id: str, netns: str, args: dict[str, str], runtime_config: dict) -> dict:
        """ADD: the final result (addresses in `ips`)."""
        network = self.network()
        record: dict[str, Any] = {
            "list": {"name": network.name, "cniVersion": network.cni_version, "plugins": list(network.plugins)},
            "netns": netns, "args": args, "runtime_config": runtime_config}
        self._results.put(pod_id, record)     # a DEL can clean up even after a half-done ADD
        result = None
        try:
            for plugin in network.plugins:
                config = network.plugin_config(plugin, runtime_config, result)
                result = await asyncio.to_thread(plugins.invoke, "ADD", config, self.bin_dirs, pod_id, netns,
                                                 IFNAME, args)
        except BaseException:
            await self.detach(pod_id)
            raise
        record["result"] = result or {}
        self._results.put(pod_id, record)
        return record["result"]

    async def detach(self, pod_id: str) -> None:
        """DEL through the chain in reverse; idempotent (nothing to do when no ADD is recorded)."""
        record = self._results.get(pod_id)
        if record is None:
            return
        raw = record["list"]
        network = cni_config.NetworkList(raw["name"], raw["cniVersion"], tuple(raw["plugins"]))
        netns = record["netns"] if os.path.exists(record["netns"]) else ""
        for plugin in reversed(network.plugins):
            config = network.plugin_config(plugin, record["runtime_config"], record.get("result"))
            try:
                await asyncio.to_thread(plugins.invoke, "DEL", config, self.bin_dirs, pod_id, netns, IFNAME,
                                        record["args"])
            except DockyardError as err:   # DEL must go on: later plugins free what they hold
                log.warning("CNI DEL of pod %s: %s", pod_id[:12], err.message)
        self._results.delete(pod_id)

    def result(self, pod_id: str) -> dict | None:
        record = self._results.get(pod_id)
        return None if record is None else record.get("result")
