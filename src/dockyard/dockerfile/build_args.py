"""ARG semantics of the classic builder (pure).

`--build-arg` values override ARG defaults; ARGs before the first FROM (meta args) are seen
by FROM lines and, re-declared by a bare `ARG NAME`, inside a stage. The proxy variables are
usable without an ARG but stay out of the image history. ENV wins over ARG in expansions.
BuildKit's platform args (`TARGETPLATFORM`, `BUILDARCH`, ...) are meta args every build has.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PROXY_ARGS = ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy",
              "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy")


def platform_args(target: str, build: str) -> dict[str, str]:
    """BuildKit's automatic platform ARGs for `os/arch[/variant]` platforms."""
    found = {}
    for prefix, platform in (("TARGET", target), ("BUILD", build)):
        os_, arch, variant = (platform.split("/") + ["", ""])[:3]
        found.update({f"{prefix}PLATFORM": platform, f"{prefix}OS": os_, f"{prefix}ARCH": arch,
                      f"{prefix}VARIANT": variant})
    return found


@dataclass
class BuildArgs:
    given: dict[str, str | None]                      # --build-arg (None: `--build-arg NAME` unset)
    meta: dict[str, str | None] = field(default_factory=dict)
    consumed: set[str] = field(default_factory=set)
    buildkit: bool = False      # a bare `ARG NAME` keeps the value NAME has (BuildKit's state env)

    def predefine(self, values: dict[str, str]) -> None:
        """Meta args every build has (the platform args); a --build-arg of the same name wins."""
        for name, value in values.items():
            self.meta[name] = self._value(name, value)
            self.consumed.add(name)

    def declare_meta(self, name: str, default: str | None) -> None:
        self.consumed.add(name)
        self.meta[name] = self._value(name, default)

    def declare(self, declared: dict[str, str | None], name: str, default: str | None,
                inherited: dict[str, str] | None = None) -> None:
        """An `ARG` inside a stage: the value in effect from here on (None: declared, unset).
        `inherited`: BuildKit's values from the stage this one starts from (a bare ARG takes them)."""
        self.consumed.add(name)
        if default is None and name not in self.given and name in self.meta:
            default = self.meta[name]
        if default is None and self.buildkit and inherited and name in inherited:
            default = inherited[name]
        value = self._value(name, default)
        if value is None and self.buildkit and declared.get(name) is not None:
            return
        declared[name] = value

    def _value(self, name: str, default: str | None) -> str | None:
        given = self.given.get(name)
        return given if given is not None else default

    def meta_env(self) -> dict[str, str]:
        return {k: v for k, v in self.meta.items() if v is not None}

    def in_effect(self, declared: dict[str, str | None], env: list[str]) -> dict[str, str]:
        """Declared args with a value and not shadowed by an ENV of the same name, plus the
        proxy args given on the command line (these never enter history)."""
        env_names = {e.split("=", 1)[0] for e in env}
        found = {k: v for k, v in declared.items() if v is not None and k not in env_names}
        for name in PROXY_ARGS:
            value = self.given.get(name)
            if value is not None and name not in env_names and name not in found:
                found[name] = value
        return found

    def history_args(self, declared: dict[str, str | None], env: list[str]) -> list[str]:
        """`K=V` of the args a RUN sees that Docker records (`|2 A=1 B=2 /bin/sh -c ...`)."""
        effect = self.in_effect(declared, env)
        return [f"{k}={effect[k]}" for k in sorted(effect) if k in declared]

    def unconsumed(self) -> list[str]:
        return sorted(k for k in self.given if k not in self.consumed and k not in PROXY_ARGS)


def expansion_env(config_env: list[str], args: dict[str, str]) -> dict[str, str]:
    """The variables `$NAME` sees: args first, ENV over them."""
    env = dict(args)
    for entry in config_env:
        key, _, value = entry.partition("=")
        env[key] = value
    return env
