"""The OpenAPI 3.1 description of the JSON API, generated from the gateway's own entrypoints
(method, URL rule, docstring), so it cannot drift from the routes (`GET /api/openapi.json`)."""

from __future__ import annotations

import inspect
import re
from functools import cache
from typing import Any

from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import Map, Rule

from services.gateway.auth import SESSION_COOKIE
from services.gateway.http import API, API_V1, UPLOAD, CappedHttp

RULE_ARGUMENT = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
PUBLIC = {"/api/openapi.json", "/api/v1/openapi.json"}
# The catch-all (`/api/` and `/api/<path:…>`, GatewayService.api_unrouted) answers what no
# route does: it is not a route of the API, so it is neither described nor counted by
# `allowed_methods`.
CATCH_ALL = "api_unrouted"
JSON_OBJECT = {"application/json": {"schema": {"type": "object"}}}
ERROR = {"$ref": "#/components/schemas/Error"}
ERROR_ANSWER = {"content": {"application/json": {"schema": ERROR}}}
COMPONENTS = {
    "schemas": {
        "Error": {
            "type": "object",
            "required": ["error", "code"],
            "properties": {
                "error": {"type": "string", "description": "Tiếng Việt / English"},
                "code": {"type": "string", "description": "stable error code"},
            },
        }
    },
    "securitySchemes": {
        "bearer": {"type": "http", "scheme": "bearer", "description": "luutru token create"},
        "session": {"type": "apiKey", "in": "cookie", "name": SESSION_COOKIE},
    },
}


def api_routes(service: type) -> list[tuple[str, CappedHttp, Any]]:
    """(method name, entrypoint, method) for every `/api` entrypoint of `service`."""
    found = []
    for name, method in inspect.getmembers(service, inspect.isfunction):
        for entrypoint in getattr(method, ENTRYPOINT_EXTENSIONS_ATTR, ()):
            if (
                isinstance(entrypoint, CappedHttp)
                and entrypoint.url.startswith(API)
                and name != CATCH_ALL
            ):
                found.append((name, entrypoint, method))
    return sorted(found, key=lambda item: (item[1].url, item[1].method))


@cache
def _route_map(service: type) -> Map:
    return Map([Rule(ep.url, methods=ep.method.split(",")) for _, ep, _ in api_routes(service)])


def allowed_methods(service: type, path: str) -> list[str]:
    """The methods `path` answers to among `service`'s `/api` routes ([] for no route)."""
    try:
        _route_map(service).bind("luutru").match(path, method="__none__")
    except MethodNotAllowed as exc:
        return sorted(exc.valid_methods or ())
    except HTTPException:  # no route at all (or a redirect to one, e.g. a trailing slash)
        return []
    return []


def openapi_path(rule: str) -> tuple[str, list[dict]]:
    """werkzeug's `/a/<string:x>` as OpenAPI's `/a/{x}`, with its path parameters."""
    parameters = [
        {
            "name": match["name"],
            "in": "path",
            "required": True,
            "schema": {"type": "integer" if match["converter"] == "int" else "string"},
        }
        for match in RULE_ARGUMENT.finditer(rule)
    ]
    return RULE_ARGUMENT.sub(r"{\g<name>}", rule), parameters


def request_body(entrypoint: CappedHttp) -> dict | None:
    if entrypoint.method.upper() in ("GET", "HEAD", "DELETE"):
        return None
    if entrypoint.max_body == UPLOAD:
        upload = {"type": "object", "properties": {"file": {"type": "string"}}}
        return {"content": {"multipart/form-data": {"schema": upload}}}
    return {"content": {**JSON_OBJECT, "application/x-www-form-urlencoded": {"schema": {}}}}


def operation(name: str, entrypoint: CappedHttp, method: Any) -> dict:
    doc = inspect.getdoc(method) or name.replace("_", " ")
    path, parameters = openapi_path(entrypoint.url)
    answer = {
        "operationId": f"{name}_v1" if path.startswith(API_V1) else name,
        "summary": doc.splitlines()[0],
        "parameters": parameters,
        "responses": {
            "200": {"description": "OK", "content": JSON_OBJECT},
            "4XX": {"description": "Lỗi của yêu cầu / Client error", **ERROR_ANSWER},
            "5XX": {"description": "Lỗi hệ thống / Server error", **ERROR_ANSWER},
        },
    }
    if not path.startswith(API_V1):
        answer["deprecated"] = True  # the unversioned alias of /api/v1/…
    if entrypoint.url in PUBLIC:
        answer["security"] = []
    body = request_body(entrypoint)
    if body:
        answer["requestBody"] = body
    return answer


def describe(service: type, version: str = "1") -> dict:
    paths: dict[str, dict] = {}
    for name, entrypoint, method in api_routes(service):
        path, _ = openapi_path(entrypoint.url)
        for verb in entrypoint.method.lower().split(","):
            paths.setdefault(path, {})[verb.strip()] = operation(name, entrypoint, method)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "luutru",
            "version": version,
            "description": "Kho lưu trữ hồ sơ điện tử / Electronic records archive",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": COMPONENTS,
        "security": [{"bearer": []}, {"session": []}],
    }
