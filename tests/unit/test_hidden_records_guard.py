"""The guard of the rule "hidden records change nothing a caller below their clearance gets"
on the routes without a record id: every GET route of the gateway without a record id in its
path is crawled by tests/e2e/test_hidden_records_change_nothing.py (its `CRAWL`) or named in its
`UNCRAWLED` with why, so a new list, desk, book, export or statistic cannot skip the check.

The routes are the gateway's own entrypoints, as tests/unit/test_record_id_routes.py reads them
(one entry per method; an `/api/v1/…` route is its `/api/…` alias). A crawled path counts for
the route werkzeug's routing sends it to, with the module's placeholders filled, so a mistyped
path fails too: it reaches no route, or only the API's catch-all (which answers what no route
does), which exactly one deliberate call may reach.
"""

from __future__ import annotations

import pytest
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule

from tests.e2e.test_hidden_records_change_nothing import CRAWL, UNCRAWLED, UNEQUAL
from tests.unit.test_record_id_routes import RECORD_ID, Route, gateway_routes, unversioned

pytestmark = pytest.mark.unit

# Sample values of the crawl's placeholders: only matched against the routes, never sent.
SAMPLES = {
    "batch": "0f0e0d0c-0b0a-4908-8706-050403020100",
    "hoso": "2026/HS.mau",
    "entry": "7",
}
CATCH_ALL = {("GET", "/api/"), ("GET", "/api/<path:rest>")}
UNROUTED_CALLS = {"/api/", "/api/khong-co-duong-nay"}  # the crawl's calls of the catch-all


def id_free_routes() -> set[Route]:
    """The GET routes without a record id in their path, each API route once."""
    return {
        unversioned(route)
        for route in gateway_routes()
        if route[0] == "GET" and not RECORD_ID.search(route[1])
    }


def filled(path: str) -> str:
    for name, value in SAMPLES.items():
        path = path.replace("{" + name + "}", value)
    return path


def reached(paths: list[str]) -> tuple[dict[str, Route], list[str]]:
    """(the route each path reaches, the paths no GET route answers)."""
    rules = Map(
        [Rule(url, methods=["GET"], endpoint=("GET", url)) for _, url in id_free_routes()]
    ).bind("luutru.invalid")
    found, stray = {}, []
    for path in paths:
        try:
            found[path] = rules.match(filled(path), method="GET")[0]
        except HTTPException:
            stray.append(path)
    return found, stray


def uncovered(crawl: list[tuple[str, dict]], uncrawled: dict[str, str]) -> list[Route]:
    found, _ = reached([path for path, _ in crawl])
    skipped = {("GET", url) for url in uncrawled}
    return sorted(id_free_routes() - set(found.values()) - skipped)


def test_the_routes_are_the_gateways_get_routes_without_a_record_id():
    routes = id_free_routes()
    assert ("GET", "/api/registers/<string:register>/book") in routes
    assert ("GET", "/ops") in routes and ("GET", "/api/stats/export") in routes
    assert not any("record_id" in url or url.startswith("/api/v1/") for _, url in routes)
    assert len(routes) > 40


def test_every_get_route_without_a_record_id_is_crawled_for_hidden_records():
    missing = uncovered(CRAWL, UNCRAWLED)
    assert not missing, (
        "These GET routes take no record id but are not crawled for what hidden records "
        "change (counts, lists, exports, statistics). Add a call to CRAWL in "
        "tests/e2e/test_hidden_records_change_nothing.py (with the query that lists "
        "everything: a wide period, each export format), or name the route in UNCRAWLED "
        "with why: " + ", ".join(url for _, url in missing)
    )


def test_every_crawled_path_reaches_the_route_it_names():
    found, stray = reached([path for path, _ in CRAWL])
    assert not stray, f"no GET route answers these: {stray}"
    unrouted = {path for path, route in found.items() if route in CATCH_ALL}
    assert unrouted == UNROUTED_CALLS, f"only the API's catch-all answers these: {unrouted}"


def test_the_lists_of_exceptions_name_real_routes_and_say_why():
    urls = {url for _, url in id_free_routes()}
    assert set(UNCRAWLED) <= urls
    found, _ = reached(list(UNEQUAL))
    assert set(found) == set(UNEQUAL)  # each a crawled path reaching a route
    assert set(UNEQUAL) <= {path for path, _ in CRAWL}
    assert all(reason.strip() for reason in [*UNCRAWLED.values(), *UNEQUAL.values()])


def test_the_guard_fails_when_a_route_is_left_out():
    kept = [call for call in CRAWL if not call[0].startswith("/api/stats")]
    assert uncovered(kept, UNCRAWLED) == [("GET", "/api/stats"), ("GET", "/api/stats/export")]
    assert uncovered(kept, {**UNCRAWLED, "/api/stats": "x", "/api/stats/export": "y"}) == []
    typo = [*CRAWL, ("/api/retention/holdz", {})]
    found, _ = reached([path for path, _ in typo])
    assert found["/api/retention/holdz"] in CATCH_ALL  # caught as an unintended catch-all call
