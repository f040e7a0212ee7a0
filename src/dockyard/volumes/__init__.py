"""Volumes: the local driver's store (`<data-root>/volumes/<name>/_data`), the containers using
them, device-backed (tmpfs, bind) volumes mounted while used, and copy-up from images.

`service.VolumeService` is the entry point for the API; `containers.ContainerMounts` (reachable
as `VolumeService.containers`) is what the container lifecycle calls at create/start/stop/rm.
"""
