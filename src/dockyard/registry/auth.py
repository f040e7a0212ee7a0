"""Turning a registry's challenge into an `Authorization` header (Basic, or a Bearer token
fetched from the challenge's realm, as the distribution token spec describes)."""

from __future__ import annotations

import base64
import json
from urllib.parse import urlencode

import urllib3

from dockyard.errors import Unauthorized
from dockyard.registry.challenge import Challenge
from dockyard.registry.credentials import Credentials


def basic_header(credentials: Credentials) -> str:
    pair = f"{credentials.username}:{credentials.password}".encode()
    return "Basic " + base64.b64encode(pair).decode()


def authorization(http: urllib3.PoolManager, challenges: list[Challenge], credentials: Credentials,
                  scopes: list[str]) -> str | None:
    """The header to send, or None to go on anonymously (a Basic registry without credentials)."""
    if credentials.registry_token:
        return f"Bearer {credentials.registry_token}"
    for challenge in challenges:
        if challenge.scheme == "bearer" and challenge.params.get("realm"):
            return "Bearer " + fetch_token(http, challenge, credentials, scopes)
    for challenge in challenges:
        if challenge.scheme == "basic" and not credentials.anonymous:
            return basic_header(credentials)
    return None


def fetch_token(http: urllib3.PoolManager, challenge: Challenge, credentials: Credentials,
                scopes: list[str]) -> str:
    """GET <realm>?service=…&scope=… (Basic credentials when we have them) → the token."""
    query = [("service", challenge.params["service"])] if challenge.params.get("service") else []
    query += [("scope", s) for s in scopes]
    if credentials.identity_token:
        return _oauth_token(http, challenge, credentials, scopes)
    headers = {}
    if credentials.username:
        headers["Authorization"] = basic_header(credentials)
    realm = challenge.params["realm"]
    url = realm + ("&" if "?" in realm else "?") + urlencode(query)
    response = http.request("GET", url, headers=headers, redirect=True)
    if response.status != 200:
        raise Unauthorized(f"token request to {realm} failed with status: {response.status} {response.reason}")
    return _token_of(response.data)


def _oauth_token(http: urllib3.PoolManager, challenge: Challenge, credentials: Credentials,
                 scopes: list[str]) -> str:
    fields = {"grant_type": "refresh_token", "refresh_token": credentials.identity_token,
              "service": challenge.params.get("service", ""), "scope": " ".join(scopes),
              "client_id": "dockyard"}
    response = http.request("POST", challenge.params["realm"], body=urlencode(fields),
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
    if response.status != 200:
        raise Unauthorized(f"token request failed with status: {response.status} {response.reason}")
    return _token_of(response.data)


def _token_of(body: bytes) -> str:
    try:
        document = json.loads(body)
        token = document.get("token") or document.get("access_token")
    except (ValueError, AttributeError):
        token = None
    if not token:
        raise Unauthorized("authorization server did not include a token in the response")
    return token
