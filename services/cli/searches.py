"""`luutru searches`: a user's saved searches, and their daily notice run now."""

from __future__ import annotations

from typing import Annotated

import typer

from services.cli.common import JsonFlag, call, client, console, emit

app = typer.Typer(help="tìm kiếm đã lưu / saved searches", no_args_is_help=True)


@app.command("add")
def add(
    user: str,
    query: str,
    name: Annotated[str, typer.Option(help="a name for the list")] = "",
    notify: Annotated[bool, typer.Option(help="a daily notice of new matches")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Save QUERY for USER (its matches within USER's clearance are the notice's baseline)."""
    with client() as rpc:
        found = call(rpc, "gateway", "saved_searches_add", user, {"q": query, "name": name}, notify)
    if as_json:
        emit(found)
    else:
        console.print(f"{found['id']}  {found['name']}")


@app.command("list")
def list_(user: str, as_json: JsonFlag = False) -> None:
    """USER's saved searches, with the new matches of the last notice USER may see."""
    with client() as rpc:
        searches = call(rpc, "gateway", "saved_searches_list", user)
    for search in searches:
        if as_json:
            emit(search)
            continue
        notice = f"{len(search['new'])} mới" if search["notify"] else "—"
        console.print(f"{search['id']}  {search['name']}  {search['params']}  {notice}")


@app.command("notify")
def notify(
    due_only: Annotated[bool, typer.Option(help="only those not checked for a day")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Run the daily notice now (the gateway also runs it hourly for searches a day old)."""
    with client() as rpc:
        checked = call(rpc, "gateway", "saved_searches_notify", not due_only)
    if as_json:
        emit({"checked": checked})
    else:
        console.print(f"{checked} tìm kiếm đã kiểm tra / searches checked")
