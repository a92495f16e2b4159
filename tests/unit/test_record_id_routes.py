"""The guard of the rule "a hidden record is answered exactly like an unknown id": every gateway
route with a record id in its path is called by tests/e2e/test_portal_access.py (its
`ID_ROUTES`, or `record_paths()`), so a new route cannot skip the check unnoticed.

Invariants: the routes are the Gateway service class's own nameko entrypoints (the `http`
decorator leaves a `CappedHttp` per URL in each method's entrypoint set), not a reading of the
source; a checked path counts for the route werkzeug's routing sends it to, with nameko's own
URL rules, so a mistyped path in the lists (which would answer 404 for any id and prove
nothing) fails too; an `/api/v1/…` entrypoint is the alias of its `/api/…` one (one method),
and calling either covers both. Routes taking record ids in their body cannot be found this way:
they are listed by hand in `ID_ROUTES`.
"""

from __future__ import annotations

import inspect
import re

import pytest
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule

from services.gateway.http import API, API_V1, CappedHttp
from services.gateway.service import GatewayService
from tests.e2e.test_portal_access import ID_ROUTES, record_paths

pytestmark = pytest.mark.unit

RECORD_ID = re.compile(r"<(?:\w+:)?record_id>")
SAMPLE = "0f0e0d0c-0b0a-4908-8706-050403020100"  # any id: it is only matched, never sent

Route = tuple[str, str]  # (method, URL rule), as the entrypoint declares it


def gateway_routes() -> list[Route]:
    """(method, URL rule) of every HTTP entrypoint of the gateway service (nameko allows
    "GET,POST": one route per method)."""
    return sorted(
        (verb, entrypoint.url)
        for _, method in inspect.getmembers(GatewayService, inspect.isfunction)
        for entrypoint in getattr(method, ENTRYPOINT_EXTENSIONS_ATTR, ())
        if isinstance(entrypoint, CappedHttp)
        for verb in entrypoint.method.split(",")
    )


def unversioned(route: Route) -> Route:
    method, url = route
    return (method, API + url[len(API_V1) :]) if url.startswith(API_V1) else route


def record_id_routes() -> set[Route]:
    """The routes with a record id in their path, each API route once (its /api/ alias)."""
    return {unversioned(r) for r in gateway_routes() if RECORD_ID.search(r[1])}


def checked_calls(id_routes: list[tuple], paths: list[str]) -> list[tuple[str, str]]:
    """(method, path) of each call the e2e module makes with a record's id, for SAMPLE."""
    calls = [(method, path) for _, method, path, *_ in id_routes] + [("GET", p) for p in paths]
    return [(method, path.replace("{id}", SAMPLE)) for method, path in calls]


def routed(calls: list[tuple[str, str]]) -> tuple[set[Route], list[tuple[str, str]]]:
    """(the routes the calls reach, the calls that reach no gateway route)."""
    rules = Map(
        [Rule(url, methods=[method], endpoint=(method, url)) for method, url in gateway_routes()]
    ).bind("luutru.invalid")
    reached, stray = set(), []
    for method, path in calls:
        try:
            endpoint, values = rules.match(path.split("?")[0], method=method)
        except HTTPException:
            stray.append((method, path))
            continue
        if values.get("record_id", SAMPLE) == SAMPLE:  # the id where the route reads it
            reached.add(unversioned(endpoint))
    return reached, stray


def uncovered(id_routes: list[tuple], paths: list[str]) -> list[Route]:
    reached, _ = routed(checked_calls(id_routes, paths))
    return sorted(record_id_routes() - reached)


def test_the_routes_are_read_from_the_gateways_entrypoints():
    found = record_id_routes()
    assert ("GET", "/api/records/<string:record_id>") in found
    assert ("POST", "/records/<string:record_id>/handling/assign") in found
    assert not any(url.startswith(API_V1) for _, url in found)  # one entry per method
    assert ("GET", "/api/v1/records/<string:record_id>") in gateway_routes()
    assert len(found) > 20


def test_every_route_taking_a_record_id_is_checked_for_hidden_records():
    missing = uncovered(ID_ROUTES, record_paths("{id}"))
    assert not missing, (
        "These gateway routes take a record id but are not checked to answer a record above "
        "the caller's clearance exactly like an unknown id. Add each to ID_ROUTES in "
        "tests/e2e/test_portal_access.py (a caller whose role the route admits, clearance "
        "below Tối mật, a body it would act on), or to record_paths() for a plain GET: "
        + ", ".join(f"{method} {url}" for method, url in missing)
    )


def test_every_checked_path_reaches_a_gateway_route():
    _, stray = routed(checked_calls(ID_ROUTES, record_paths("{id}")))
    assert not stray, f"no gateway route answers these (a 404 for any id proves nothing): {stray}"


def test_the_guard_fails_when_a_route_is_left_out():
    paths = record_paths("{id}")
    before = set(uncovered(ID_ROUTES, paths))
    kept = [r for r in ID_ROUTES if not r[2].startswith("/api/records/{id}/hoso/")]
    dropped = ("POST", "/api/records/<string:record_id>/hoso/<string:answer>")
    assert set(uncovered(kept, paths)) - before == {dropped}
    assert set(uncovered(ID_ROUTES, [])) - before == {
        ("GET", f"/api/records/<string:record_id>{tail}")
        for tail in ("/files/<string:kind>", "/pages/<int:n>.png", "/petitioner", "/search",
                     "/similar", "/text")
    }  # fmt: skip
