"""`dockyard pull|push|login|logout`."""

from __future__ import annotations

import getpass
import sys

from dockyard.cli import credentials, transfer_view
from dockyard.client import Client
from dockyard.client import registry as api
from dockyard.errors import InvalidArgument
from dockyard.oci import reference


def register(sub) -> None:
    pull = sub.add_parser("pull", help="Download an image from a registry")
    pull.add_argument("name", metavar="NAME[:TAG|@DIGEST]")
    pull.add_argument("-q", "--quiet", action="store_true", help="suppress verbose output")
    pull.add_argument("--platform", help="linux/ARCH[/VARIANT] of a multi-platform image")
    pull.set_defaults(run=run_pull)
    push = sub.add_parser("push", help="Upload an image to a registry")
    push.add_argument("name", metavar="NAME[:TAG]")
    push.add_argument("-a", "--all-tags", action="store_true", help="push every tag of the repository")
    push.add_argument("-q", "--quiet", action="store_true", help="suppress verbose output")
    push.set_defaults(run=run_push)
    login = sub.add_parser("login", help="Log in to a registry")
    login.add_argument("server", nargs="?", default="")
    login.add_argument("-u", "--username")
    login.add_argument("-p", "--password")
    login.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    login.set_defaults(run=run_login)
    logout = sub.add_parser("logout", help="Log out from a registry")
    logout.add_argument("server", nargs="?", default="")
    logout.set_defaults(run=run_logout)


def run_pull(client: Client, args) -> int:
    ref = reference.parse(args.name)
    if not ref.tag and not ref.digest:
        print("Using default tag: latest")
    target = ref.with_default_tag()
    stream = api.pull(client, target.repository().familiar(), target.digest or target.tag or "latest",
                      _auth_for(ref.domain), args.platform)
    _show(stream, args.quiet)
    print(target.familiar())
    return 0


def run_push(client: Client, args) -> int:
    ref = reference.parse(args.name)
    if not ref.tag and not args.all_tags:
        print("Using default tag: latest")
        ref = ref.with_default_tag()
    elif args.all_tags and ref.tag:
        raise InvalidArgument("tag can't be used with --all-tags/-a")
    stream = api.push(client, ref.repository().familiar(), ref.tag, _auth_for(ref.domain))
    _show(stream, args.quiet)
    if args.quiet:
        print(ref.familiar())
    return 0


def run_login(client: Client, args) -> int:
    server = credentials.server_of(args.server)
    username = args.username or input("Username: ")
    if args.password_stdin:
        password = sys.stdin.read().rstrip("\n")
    else:
        password = args.password or getpass.getpass("Password: ")
    if not username or not password:
        raise InvalidArgument("username and password are required")
    result = api.login(client, username, password, server)
    credentials.store(server, username, password)
    print(result.get("Status", "Login Succeeded"))
    return 0


def run_logout(client: Client, args) -> int:
    server = credentials.server_of(args.server)
    if credentials.erase(server):
        print(f"Removing login credentials for {server}")
    else:
        print(f"Not logged in to {server}")
    return 0


def _auth_for(domain: str) -> dict | None:
    return credentials.lookup(credentials.server_of(domain))


def _show(stream, quiet: bool) -> list[dict]:
    return transfer_view.drain(stream) if quiet else transfer_view.show(stream)
