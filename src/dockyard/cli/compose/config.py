"""`compose config`: the normalised model (YAML or JSON), its lists (services, volumes, networks,
images, profiles), the variables the files use, the environment of interpolation, config hashes."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict

from dockyard.cli.compose.listing import pretty
from dockyard.client import Client
from dockyard.compose.model import Project, documents
from dockyard.compose.model.load import file_variables
from dockyard.compose.plan import config_hash_of
from dockyard.errors import InvalidArgument

_CONFIG_MISSING = ("no_interpolate", "no_normalize", "no_path_resolution", "no_consistency", "no_env_resolution",
                   "resolve_image_digests", "lock_image_digests", "models")


def config(client: Client, args, project: Project) -> int:
    """The model's lists (services, volumes, networks, images, profiles), the environment used for
    interpolation, the services' config hashes, or the whole normalised model as YAML or JSON."""
    for option in _CONFIG_MISSING:
        if getattr(args, option):
            raise InvalidArgument(f"config --{option.replace('_', '-')} is not supported by dockyard compose")
    everyone = {**project.services, **project.disabled}
    if args.services:
        text = "".join(f"{n}\n" for n in sorted(project.services))
    elif args.volumes:
        text = "".join(f"{n}\n" for n in sorted(project.volumes))
    elif args.networks:
        text = "".join(f"{n}\n" for n in sorted(project.networks))
    elif args.images:
        text = "".join(f"{project.services[n].image}\n" for n in sorted(project.services))
    elif args.profiles:
        text = "".join(f"{p}\n" for p in sorted({p for s in everyone.values() for p in s.profiles}))
    elif args.hash:
        names = sorted(project.services) if args.hash == "*" else args.hash.split(",")
        text = "".join(f"{n} {config_hash_of(project, project.service(n))}\n" for n in names)
    elif args.environment:
        env = {**project.environment, "COMPOSE_PROJECT_NAME": project.name}
        text = "".join(f"{k}={v}\n" for k, v in sorted(env.items()))
    elif args.quiet:
        return 0
    elif args.format == "json":
        text = json.dumps(_as_document(project), indent=2) + "\n"
    else:
        text = documents.dump(_as_document(project))
    if args.output:
        with open(args.output, "w") as out:
            out.write(text)
    else:
        sys.stdout.write(text)
    return 0


def config_variables(files: list[str], read_file) -> int:
    """`config --variables`: read before interpolation, so a required variable that is unset is
    listed rather than an error."""
    found = file_variables(files, read_file)
    rows = [[n, str(r).lower(), d, a] for n, (r, d, a) in sorted(found.items())]
    sys.stdout.write(pretty(["NAME", "REQUIRED", "DEFAULT VALUE", "ALTERNATE VALUE"], rows))
    return 0


def _as_document(project: Project) -> dict:
    """The normalised model as YAML-able data (empty fields left out)."""
    def clean(value):
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items() if v not in (None, "", [], {}, (), False)}
        if isinstance(value, (list, tuple)):
            return [clean(v) for v in value]
        return value
    services = {}
    for name, service in project.services.items():
        body = asdict(service)
        body.pop("name")
        services[name] = clean(body)
        if not services[name].get("limits"):  # all at the daemon's defaults
            services[name].pop("limits", None)
    return {"name": project.name, "services": services,
            "networks": {k: clean(asdict(n)) for k, n in project.networks.items()},
            "volumes": {k: clean(asdict(v)) for k, v in project.volumes.items()}}
