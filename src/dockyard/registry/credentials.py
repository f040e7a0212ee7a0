"""Registry credentials as the Engine API carries them (pure).

`X-Registry-Auth` is base64url (padding optional) of JSON `{"username", "password",
"serveraddress", "auth", "identitytoken", "registrytoken"}`; `e30=` (`{}`) means anonymous.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

from dockyard.errors import InvalidArgument


@dataclass(frozen=True)
class Credentials:
    username: str = ""
    password: str = ""
    identity_token: str = ""      # an OAuth refresh token, sent to the token realm
    registry_token: str = ""      # a bearer token sent to the registry as it is
    server: str = ""

    @property
    def anonymous(self) -> bool:
        return not (self.username or self.password or self.identity_token or self.registry_token)


ANONYMOUS = Credentials()


def from_auth_config(config: dict) -> Credentials:
    """An auth config object (the header's JSON, or the body of `POST /auth`)."""
    if not isinstance(config, dict):
        raise InvalidArgument("invalid registry auth: expected a JSON object")
    username, password = str(config.get("username") or ""), str(config.get("password") or "")
    if config.get("auth") and not username:
        username, password = _split_basic(str(config["auth"]))
    return Credentials(username=username, password=password,
                       identity_token=str(config.get("identitytoken") or ""),
                       registry_token=str(config.get("registrytoken") or ""),
                       server=str(config.get("serveraddress") or ""))


def decode_header(value: str | None) -> Credentials:
    """The `X-Registry-Auth` header; absent or empty means anonymous."""
    if not value:
        return ANONYMOUS
    return from_auth_config(_decoded(value, "X-Registry-Auth"))


def _decoded(value: str, header: str):
    """base64url (padding optional) JSON, as the CLI encodes registry headers."""
    try:
        return json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
    except (binascii.Error, ValueError):
        raise InvalidArgument(f"invalid {header} header: not base64url-encoded JSON") from None


def _split_basic(auth: str) -> tuple[str, str]:
    try:
        user, _, password = base64.b64decode(auth).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise InvalidArgument("invalid registry auth: malformed auth field") from None
    return user, password


def decode_config_header(value: str | None) -> dict[str, Credentials]:
    """`X-Registry-Config` (sent with builds): base64url JSON `{"<registry>": {auth config}}`."""
    if not value:
        return {}
    configs = _decoded(value, "X-Registry-Config")
    if not isinstance(configs, dict):
        raise InvalidArgument("invalid X-Registry-Config header: expected a JSON object")
    return {_registry_domain(key): from_auth_config(config) for key, config in configs.items()}


def for_domain(credentials: dict[str, Credentials], domain: str) -> Credentials:
    """The credentials a config map holds for a reference's registry domain."""
    return credentials.get(_registry_domain(domain), ANONYMOUS)


def _registry_domain(server: str) -> str:
    """`https://index.docker.io/v1/` and `docker.io` name one registry; a scheme or path is noise."""
    host = server.split("://", 1)[-1].split("/", 1)[0]
    return "docker.io" if host in ("index.docker.io", "registry-1.docker.io") else host
