"""Pulls the daemon makes on its own behalf (a build's `FROM` of an image not held locally)."""

from __future__ import annotations

from dockyard.images import pull
from dockyard.images.layer_sources import LayerSources
from dockyard.images.progress import Progress
from dockyard.images.service import ImageService
from dockyard.oci import reference
from dockyard.registry import credentials
from dockyard.registry.credentials import Credentials
from dockyard.registry.hosts import Registries, first_answer


class ImagePuller:
    def __init__(self, images: ImageService, layer_sources: LayerSources, registries: Registries):
        self._images, self._layer_sources, self._registries = images, layer_sources, registries

    def pull(self, name: str, auths: dict[str, Credentials], report: Progress) -> str:
        """Pull `name` (`latest` when untagged), reporting as `docker pull` does; its image ID."""
        ref = reference.parse(name).with_default_tag()
        sources = self._registries.pull_sources(ref, credentials.for_domain(auths, ref.domain))
        plan = first_answer(sources, lambda client: pull.resolve(client, ref))
        updated = pull.pull(self._images, self._layer_sources, plan, report)
        report(pull.status_line(ref.familiar(), updated))
        return self._images.resolve(str(ref)).id
