"""A `Services` for tests that serve a few route tables: the services given, None for the rest
(the routes of those are never called)."""

from dataclasses import fields

from dockyard.daemon.services import Services


def services_with(**given) -> Services:
    return Services(**{f.name: given.get(f.name) for f in fields(Services)})
