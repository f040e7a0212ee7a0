"""Showing a pull/push progress stream: one live line per layer on a terminal (rich), only the
state changes otherwise, as the docker CLI does."""

from __future__ import annotations

import sys
from typing import Iterator

from rich.console import Console, Group
from rich.live import Live
from rich.text import Text

from dockyard.errors import InternalError


def show(messages: Iterator[dict], tty: bool | None = None) -> list[dict]:
    """Print the stream; returns the `aux` objects; raises the stream's in-band error."""
    tty = sys.stdout.isatty() if tty is None else tty
    return _live(messages) if tty else _plain(messages)


def drain(messages: Iterator[dict]) -> list[dict]:
    """Quiet: print nothing, still fail on an in-band error."""
    aux = []
    for message in messages:
        raise_if_error(message)
        aux += [message["aux"]] if "aux" in message else []
    return aux


def _plain(messages: Iterator[dict]) -> list[dict]:
    aux = []
    for message in messages:
        raise_if_error(message)
        if "aux" in message:
            aux.append(message["aux"])
        elif message.get("status") and not message.get("progressDetail"):
            row = message.get("id")
            print(f"{row}: {message['status']}" if row else message["status"], flush=True)
    return aux


def _live(messages: Iterator[dict]) -> list[dict]:
    aux: list[dict] = []
    rows: dict[str, str] = {}
    console = Console()
    with Live(Group(), console=console, refresh_per_second=10, transient=False) as live:
        for message in messages:
            raise_if_error(message)
            if "aux" in message:
                aux.append(message["aux"])
                continue
            row, status = message.get("id"), message.get("status", "")
            if row is None:
                live.console.print(status, highlight=False)
                continue
            bar = message.get("progress", "") if message.get("progressDetail") else ""
            rows[row] = f"{row}: {status} {bar}".rstrip()
            live.update(Group(*(Text(line) for line in rows.values())))
    return aux


def raise_if_error(message: dict) -> None:
    if "errorDetail" in message:
        raise InternalError(message["errorDetail"].get("message") or message.get("error", "unknown error"))
