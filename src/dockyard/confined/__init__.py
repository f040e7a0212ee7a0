"""Paths and archives confined to a root: the one resolver of a path inside a root (`paths`)
and the one tar extractor (`extract`), for layers, build contexts, ADD and `docker cp`."""
