"""Volumes: the local driver's store (`<data-root>/volumes/<name>/_data`), references by
containers, device-backed (tmpfs, bind) volumes mounted while used, copy-up from images.

`service.VolumeService` is the entry point for the API and the container lifecycle.
"""
