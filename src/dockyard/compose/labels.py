"""The labels compose v2 puts on what it creates, so its tools and ours see the same objects."""

PROJECT = "com.docker.compose.project"
SERVICE = "com.docker.compose.service"
NUMBER = "com.docker.compose.container-number"
ONEOFF = "com.docker.compose.oneoff"
CONFIG_HASH = "com.docker.compose.config-hash"
WORKING_DIR = "com.docker.compose.project.working_dir"
CONFIG_FILES = "com.docker.compose.project.config_files"
DEPENDS_ON = "com.docker.compose.depends_on"
IMAGE = "com.docker.compose.image"
VERSION = "com.docker.compose.version"
NETWORK = "com.docker.compose.network"
VOLUME = "com.docker.compose.volume"

COMPOSE_VERSION = "5.6.1"  # the compose v2 behaviour these labels follow


def project_filter(project: str, *more: str) -> dict[str, list[str]]:
    return {"label": [f"{PROJECT}={project}", *more]}
