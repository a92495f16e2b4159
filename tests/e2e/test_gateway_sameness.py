"""The portal and the API answer a record id alike, through the same gateway helpers (issue 19):
on every route that takes a record id, a record above the caller's clearance answers exactly
as an id that does not exist (same status, same body once the id is taken out), and the
portal page answers an unknown id with the same status as its API route."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.fixtures.documents import born_digital_pdf

# (role of the caller, method, path with {id}, JSON body, form body)
API_ROUTES = [
    ("reader", "GET", "/api/records/{id}", None, None),
    ("reader", "GET", "/api/v1/records/{id}", None, None),
    ("reader", "GET", "/api/records/{id}/text", None, None),
    ("reader", "GET", "/api/records/{id}/files/original", None, None),
    ("reader", "GET", "/api/records/{id}/files/pdfa", None, None),
    ("reader", "GET", "/api/records/{id}/pages/1.png", None, None),
    ("reader", "GET", "/api/records/{id}/similar", None, None),
    ("petition_officer", "GET", "/api/records/{id}/petitioner", None, None),
    ("clerk", "PATCH", "/api/records/{id}", {"subject": "Sửa trích yếu"}, None),
    ("archivist", "POST", "/api/records/{id}/secrecy/approve", None, None),
    ("archivist", "POST", "/api/records/{id}/secrecy/reject", None, None),
    ("archivist", "DELETE", "/api/records/{id}", None, None),
    ("archivist", "POST", "/api/retention/holds", {"ids": ["{id}"], "reason": "thử"}, None),
]
PORTAL_ROUTES = [
    ("reader", "GET", "/records/{id}", None, None),
    ("clerk", "POST", "/records/{id}/correct", None, {"subject": "Sửa trích yếu"}),
    ("archivist", "POST", "/records/{id}/secrecy/approve", None, None),
    ("archivist", "POST", "/records/{id}/secrecy/reject", None, None),
    ("admin", "POST", "/ops/reprocess/{id}", None, None),
    ("archivist", "POST", "/retention/holds", None, {"ids": "{id}", "reason": "thử"}),
]
# A portal route and the API route that does the same work.
TWINS = [
    ("reader", ("GET", "/records/{id}"), ("GET", "/api/records/{id}")),
    ("clerk", ("POST", "/records/{id}/correct"), ("PATCH", "/api/records/{id}")),
    (
        "archivist",
        ("POST", "/records/{id}/secrecy/approve"),
        ("POST", "/api/records/{id}/secrecy/approve"),
    ),
    ("archivist", ("POST", "/retention/holds"), ("POST", "/api/retention/holds")),
]
ROLES = ("reader", "clerk", "archivist", "petition_officer", "admin")


@pytest.fixture(scope="module")
def hidden(stack) -> str:
    """A Mật report, fully processed: text, files and page images exist for it."""
    pdf = born_digital_pdf(
        [["MẬT", "TỈNH ỦY BÌNH ĐỊNH", "Số 11-BC/TU", "BÁO CÁO", "về bảo vệ chính trị nội bộ",
          "Nội dung mật về công tác bảo vệ chính trị nội bộ."]]
    )  # fmt: skip
    sent = stack.post(
        "/api/records", files={"file": ("bc-mat.pdf", pdf)}, data={"secrecy": "mat"}
    ).json()
    record = stack.wait_final(sent["id"])
    assert record["status"] == "indexed" and record["metadata"]["secrecy"] == "mat"
    return record["id"]


@pytest.fixture(scope="module")
def callers(stack) -> dict:
    """One uncleared account per role (clearance 0: the Mật record is above all of them)."""
    return {role: stack.user(f"gs_{role}", role, 0) for role in ROLES}


def _filled(value, record_id: str):
    """`value` (a path, a JSON or form body) with `{id}` replaced by `record_id`."""
    return json.loads(json.dumps(value).replace("{id}", record_id))


def _call(stack, callers, route, record_id: str) -> tuple[int, str]:
    """(status, body with the id taken out) of `route` called for `record_id`."""
    role, method, path, body, form = _filled(route, record_id)
    answer = callers[role].request(
        method, stack.url + path, json=body, data=form, allow_redirects=False, timeout=60
    )
    return answer.status_code, answer.text.replace(record_id, "<id>")


@pytest.mark.parametrize("route", API_ROUTES + PORTAL_ROUTES, ids=lambda r: f"{r[1]} {r[2]}")
def test_a_hidden_record_answers_exactly_as_an_unknown_id(stack, callers, hidden, route):
    seen_hidden = _call(stack, callers, route, hidden)
    seen_unknown = _call(stack, callers, route, str(uuid.uuid4()))
    assert seen_hidden == seen_unknown
    assert seen_hidden[0] == 404


@pytest.mark.parametrize("twins", TWINS, ids=lambda t: t[1][1])
def test_the_portal_and_the_api_answer_an_unknown_id_with_the_same_status(stack, callers, twins):
    role, (page_method, page_path), (api_method, api_path) = twins
    unknown = str(uuid.uuid4())
    page = _call(stack, callers, (role, page_method, page_path, None, {"ids": "{id}"}), unknown)
    api = _call(stack, callers, (role, api_method, api_path, {"ids": ["{id}"]}, None), unknown)
    assert page[0] == api[0] == 404
