"""The destruction dossier through the gateway's helpers (services/gateway/helpers.py), with the
services faked: a caller below a record's clearance learns nothing of it through the dossier.
A batch they see nothing of has no dossier for them (404, as an unknown batch); its printed
forms list only their records; a signed scan (which may list anything) and recording a step
(which attests to the whole batch) need someone who sees every record, as approving does."""

from __future__ import annotations

import base64

import pytest

from services.common.errors import NotFound
from services.gateway.accounts import Forbidden, Principal
from services.gateway.helpers import Gateway

pytestmark = pytest.mark.unit
LEVELS = {"open": 0, "secret": 2}


class Ingest:
    def visible_ids(self, ids, clearance, in_care=False):
        return [i for i in ids if LEVELS.get(i, 3) <= clearance]


class Retention:
    def __init__(self):
        self.asked: list[tuple] = []
        self.batches = {
            "mixed": {"id": "mixed", "action": "destroy", "records": ["open", "secret"],
                      "pulled": [], "files": []},
            "hidden": {"id": "hidden", "action": "destroy", "records": ["secret"],
                       "pulled": [], "files": []},
        }  # fmt: skip

    def show(self, batch_id):
        if batch_id not in self.batches:
            raise NotFound(f"Không tìm thấy lô {batch_id} / No batch {batch_id}")
        return self.batches[batch_id]

    def dossier_show(self, batch_id):
        return {"batch": batch_id, "steps": [], "missing": ["proposal"]}

    def dossier_form(self, batch_id, step, visible):
        self.asked.append(("form", batch_id, step, visible))
        return {"pdf_b64": base64.b64encode(b"%PDF").decode()}

    def dossier_scan(self, batch_id, step):
        return {"content_b64": "", "media_type": "application/pdf", "sha256": "0" * 64}

    def dossier_record(self, *args):
        self.asked.append(("record", *args))
        return {"batch": args[0]}


def gateway() -> Gateway:
    return Gateway(Ingest(), None, None, None, Retention(), None, None)


LOW = Principal("lan", "archivist", 0)
HIGH = Principal("minh", "archivist", 2)


def test_a_batch_of_hidden_records_has_no_dossier_for_the_caller():
    gw = gateway()
    for call in (
        lambda: gw.visible_dossier(LOW, "hidden"),
        lambda: gw.dossier_form(LOW, "hidden", "proposal"),
        lambda: gw.dossier_scan(LOW, "hidden", "proposal"),
        lambda: gw.record_dossier_step(LOW, "hidden", "proposal", {}, None),
    ):
        with pytest.raises(NotFound) as hidden:
            call()
        with pytest.raises(NotFound) as unknown:
            gw.visible_dossier(LOW, "nowhere")
        same = str(unknown.value).replace("nowhere", "X")
        assert str(hidden.value).replace("hidden", "X") == same


def test_printed_forms_list_only_the_callers_records():
    gw = gateway()
    assert gw.visible_dossier(LOW, "mixed")["batch"] == "mixed"
    gw.dossier_form(LOW, "mixed", "proposal")
    gw.dossier_form(HIGH, "mixed", "proposal")
    forms = [a for a in gw.retention.asked if a[0] == "form"]
    assert [f[3] for f in forms] == [["open"], ["open", "secret"]]


def test_scans_and_recording_need_someone_who_sees_the_whole_batch():
    gw = gateway()
    with pytest.raises(Forbidden, match="độ mật"):
        gw.dossier_scan(LOW, "mixed", "proposal")
    with pytest.raises(Forbidden, match="độ mật"):
        gw.record_dossier_step(LOW, "mixed", "proposal", {"note": "x"}, None)
    assert not [a for a in gw.retention.asked if a[0] == "record"]
    gw.record_dossier_step(HIGH, "mixed", "proposal", {"note": "x"}, None)
    assert gw.dossier_scan(HIGH, "mixed", "proposal")["sha256"] == "0" * 64


def test_the_portal_form_reads_members_opinions_and_a_day_first_date():
    from werkzeug.datastructures import MultiDict

    from services.gateway.routes_desks import dossier_fields, shown_dossier

    typed = MultiDict({
        "members": "Trần Văn Bình | Chủ tịch Hội đồng\n\nLê Thị Hoa|Thư ký",
        "opinions": "Trần Văn Bình = agree\nLê Thị Hoa = disagree : Giữ lại",
        "decided_on": "25/11/2026", "note": "  ", "number": "12/QĐ-VP",
    })  # fmt: skip
    assert dossier_fields(typed) == {
        "number": "12/QĐ-VP",
        "members": [{"name": "Trần Văn Bình", "position": "Chủ tịch Hội đồng"},
                    {"name": "Lê Thị Hoa", "position": "Thư ký"}],
        "opinions": [{"name": "Trần Văn Bình", "opinion": "agree", "remark": ""},
                     {"name": "Lê Thị Hoa", "opinion": "disagree", "remark": "Giữ lại"}],
        "decided_on": "2026-11-25",
    }  # fmt: skip
    steps = [{"step": "proposal", "entry": {"at": "2026-11-20T09:00:00+07:00"}},
             {"step": "handover", "entry": None}]  # fmt: skip
    dossier = {"steps": steps, "window_end": "2026-12-10"}
    shown = shown_dossier(dossier)
    assert shown["steps"][0]["entry"]["day"] == "20/11/2026" and shown["steps"][1]["entry"] is None
    assert shown["window_day"] == "10/12/2026"
