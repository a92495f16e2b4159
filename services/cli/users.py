"""`luutru users` and `luutru token`: accounts, roles, clearance, API tokens."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from services.cli.common import JsonFlag, call, client, console, emit
from services.common.vocabulary import SECRECY_NAMES

# "0 thường, 1 Mật, 2 Tối mật, 3 Tuyệt mật"
_CLEARANCES = ", ".join(f"{level} {name}" for level, name in SECRECY_NAMES.items())

users_app = typer.Typer(help="người dùng / users", no_args_is_help=True)
token_app = typer.Typer(help="mã truy cập API / API tokens", no_args_is_help=True)


def _show(user: dict, as_json: bool) -> None:
    if as_json:
        emit(user)
    else:
        console.print(_user_line(user), markup=False)


def _user_line(user: dict) -> str:
    state = "disabled" if user.get("disabled") else "active"
    contact = "  ".join(filter(None, (user.get("unit"), user.get("email"))))
    return f"{user['name']:<20} {user['role']:<17} {user['clearance']}  {state:<8}  {contact}"


@users_app.command("add")
def users_add(
    name: str,
    role: Annotated[str, typer.Option(help="clerk|reader|archivist|petition_officer|admin")],
    clearance: Annotated[int, typer.Option(help=_CLEARANCES)] = 0,
    password_stdin: Annotated[bool, typer.Option(help="read the password from stdin")] = False,
    email: Annotated[str | None, typer.Option(help="where task reminders go")] = None,
    unit: Annotated[str | None, typer.Option(help="đơn vị (phòng, ban)")] = None,
    token: Annotated[
        bool, typer.Option("--token", help="also create its API token (shown once)")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Add a user (without a password it can only use API tokens)."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    with client() as rpc:
        added = call(rpc, "gateway", "users_add", name, role, clearance, password, email, unit)
        # one command for an account that calls the API (a scanning station, a script)
        secret = call(rpc, "gateway", "token_create", name)["token"] if token else None
    if as_json:
        emit({**added, "token": secret} if token else added)
        return
    _show(added, as_json)
    if secret:
        print(secret)


@users_app.command("contact")
def users_contact(
    name: str,
    email: Annotated[str | None, typer.Option(help="where task reminders go ('' for none)")] = None,
    unit: Annotated[str | None, typer.Option(help="đơn vị (phòng, ban; '' for none)")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Set a user's e-mail and unit (an option left out keeps its value)."""
    with client() as rpc:
        _show(call(rpc, "gateway", "users_contact", name, email, unit), as_json)


@users_app.command("list")
def users_list(as_json: JsonFlag = False) -> None:
    with client() as rpc:
        users = call(rpc, "gateway", "users_list")
    if as_json:
        emit(users)
        return
    for user in users:
        console.print(_user_line(user), markup=False)


@users_app.command("disable")
def users_disable(name: str, as_json: JsonFlag = False) -> None:
    with client() as rpc:
        _show(call(rpc, "gateway", "users_disable", name), as_json)


@token_app.command("create")
def token_create(name: str, as_json: JsonFlag = False) -> None:
    """Create an API token for USER (shown once; only its digest is stored)."""
    with client() as rpc:
        result = call(rpc, "gateway", "token_create", name)
    if as_json:
        emit({"token": result["token"]})
    else:
        print(result["token"])


@token_app.command("revoke")
def token_revoke(token: str, as_json: JsonFlag = False) -> None:
    with client() as rpc:
        revoked = call(rpc, "gateway", "token_revoke", token)
    if as_json:
        emit(revoked)
    else:
        print("đã thu hồi / revoked")
