"""A create request made into a container record, as dockerd makes it (no I/O of its own):
the body split and checked, the image's config merged in, the runtime named, what dockerd
decides filled in, legacy links resolved."""

import os
import time
from typing import Callable

from dockyard.containers import defaults
from dockyard.containers.host_checks import check_host_config
from dockyard.containers.linking import links_at_create
from dockyard.containers.model import Container
from dockyard.errors import InvalidArgument
from dockyard.images.for_containers import ImageForContainer
from dockyard.shim.logopts import CRI_LOG_DRIVER, container_log_config


def new_container(body: dict, find_image: Callable, claim_name: Callable[[], str], runtimes, cgroup_v2: bool,
                  log_default: dict, lookup: Callable,
                  cri_log: bool = False) -> tuple[Container, ImageForContainer, bool]:
    """(record, image, whether its output goes to a log file). `claim_name` gives the checked
    name once the image is known (dockerd reports a missing image first). `cri_log`: the output
    goes to a log in the kubelet's format (containers of the CRI)."""
    config, host_config, networking = defaults.split_create_body(body)
    check_host_config(host_config)
    if cri_log:
        host_config["LogConfig"], logged = {"Type": CRI_LOG_DRIVER, "Config": {}}, True
    else:
        host_config["LogConfig"], logged = container_log_config(  # a bad --log-opt fails here
            host_config.get("LogConfig"), log_default)
    if not config.get("Image"):
        raise InvalidArgument("config cannot be empty in order to create a container")
    image = find_image(config["Image"])
    name = claim_name()
    merged = defaults.merge_image_config(config, image.config)
    path, args = defaults.command_line(merged)
    container_id = os.urandom(32).hex()
    merged = defaults.with_default_hostname(merged, host_config, container_id)
    host_config["Runtime"] = runtimes.check(host_config.get("Runtime") or runtimes.default)
    host_config = defaults.fill_host_defaults(host_config, cgroup_v2)
    links_at_create(host_config, networking, name, lookup)
    container = Container(
        id=container_id, name=name, created=time.time_ns(), image_id=image.id, config=merged,
        host_config=host_config, networking_config=networking, path=path, args=args,
        runtime=host_config["Runtime"],   # the daemon's default one shown by name, as dockerd
    )
    return container, image, logged
