"""pytest plugin: podman's docker-compat tests (test/python/docker/compat) against $DOCKER_HOST.

The suite starts its own `podman system service` on tcp://127.0.0.1:8080 and drives the podman
CLI for a few steps. Here the service is the daemon at DOCKER_HOST, and the CLI is the docker
CLI (`podman load -i`, `podman inspect` take the same arguments). The alpine image the suite
pulls from quay.io is an offline stand-in (tests.peers.stand_ins), saved once and loaded before
each test as the suite does with its cache; the archive also tags it `alpine`, the short name
podman resolves to it (dockerd would look for docker.io/library/alpine). Everything else is the suite's own code.
"""

import os
import subprocess

import docker


class DockerCLIInsteadOfPodman:
    """The suite's PodmanAPI, with the docker CLI for podman's and no service to start."""

    def __init__(self):
        from test.python.docker import PodmanAPI
        self._original = PodmanAPI()  # keeps its temporary anchor and image cache directories
        self.anchor_directory = self._original.anchor_directory
        self.image_cache = self._original.image_cache

    def open(self, command, *args, **kwargs):
        return subprocess.Popen(["sleep", "infinity"])  # the daemon is already serving

    def run(self, command, *args, **kwargs):
        return subprocess.run(["docker", command, *args], check=kwargs.get("check", False),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def tear_down(self):
        self._original.tear_down()

    def flush_image_cache(self):
        self._original.flush_image_cache()

    def restore_image_from_cache(self, client):
        from test.python.docker.compat import constant
        from tests.peers.stand_ins import ensure
        path = os.path.join(self.image_cache, constant.ALPINE_TARBALL)
        if not os.path.exists(path):  # the suite pulls here; we make the image offline
            ensure([constant.ALPINE])
            client.images.get(constant.ALPINE).tag(constant.ALPINE_SHORTNAME)
            self.run("save", "-o", path, constant.ALPINE, constant.ALPINE_SHORTNAME, check=True)
        else:
            self.run("load", "-i", path, check=True)


def pytest_configure(config):
    from test.python.docker.compat import common
    common.PodmanAPI = DockerCLIInsteadOfPodman
    common.DockerClient = lambda base_url=None, **kwargs: docker.DockerClient.from_env(**kwargs)
