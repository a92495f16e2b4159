"""Hồ sơ due for nộp lưu within 30 days, and late ones (NĐ 30/2020 Phụ lục VI Phần I, Điều
30), on the mail stack (shared with test_handling and test_saved_search_mail_stack) with a real
SMTP receiver: `luutru files remind` (what the gateway's hourly timer runs) mails each file
once to the account named as its người lập hồ sơ, the title of a file holding a Mật record
withheld; `luutru files due`, the API and the portal's Hồ sơ page list them, a file due in 40
days not yet. Only this module's files exist on the stack: the other modules make none."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from services.common import clock
from tests.e2e.conftest import MAIL_PORTAL as PORTAL
from tests.e2e.conftest import MailStack
from tests.fixtures.documents import born_digital_pdf
from tests.smtp_relay import MailView

TAG = uuid.uuid4().hex[:4]
KEEPER = f"nl_keeper_{TAG}"
SECRET_TITLE = f"Hồ sơ phương án bảo vệ mục tiêu {TAG}"


@pytest.fixture(scope="module")
def stack(mail_stack: MailStack):
    return mail_stack.stack


@pytest.fixture(scope="module")
def mailbox(mail_stack: MailStack) -> MailView:
    return mail_stack.mailbox.from_now()


def closed_a_year_before(due: date) -> date:
    return due.replace(year=due.year - 1)


@pytest.fixture(scope="module")
def due_files(stack) -> dict[str, dict]:
    """SOON due in 10 days, LATE 5 days late (holding a Mật record), LATER due in 40 days;
    each kept by KEEPER, an account with an e-mail address."""
    stack.user(KEEPER, "clerk", 0)
    stack.cli("users", "contact", KEEPER, "--email", f"{KEEPER}@example.vn")
    today = clock.today()
    plan = {
        "SOON": (10, f"Tập công văn trao đổi {TAG}", []),
        "LATE": (-5, SECRET_TITLE, ["MẬT"]),
        "LATER": (40, f"Hồ sơ hội nghị {TAG}", []),
    }
    made = {}
    for name, (days, title, stamp) in plan.items():
        lines = [*stamp, "TỈNH ỦY BÌNH ĐỊNH", f"Số {len(made) + 31}-BC/TU", "BÁO CÁO",
                 f"về công tác lưu trữ {TAG} {name.lower()}", "Nội dung báo cáo."]  # fmt: skip
        uploaded = stack.upload(f"nl-{TAG}-{name}.pdf", born_digital_pdf([lines]))
        record = stack.wait_final(uploaded.json()["id"])
        assert record["status"] == "indexed", record
        closed = closed_a_year_before(today + timedelta(days=days))
        code = f"{name}.{TAG}"
        stack.cli("files", "create", "--code", code, "--title", title, "--year",
                  str(closed.year), "--retention", "10", "--responsible", KEEPER)  # fmt: skip
        stack.cli("files", "add", f"{closed.year}/{code}", record["id"])
        stack.cli("files", "close", f"{closed.year}/{code}", "--end", closed.isoformat())
        made[name] = {"ref": f"{closed.year}/{code}", "code": code, "record": record}
    assert made["LATE"]["record"]["metadata"]["secrecy"] == "mat"
    return made


def test_each_due_file_is_mailed_once_to_its_keeper_and_a_secret_title_stays_home(
    stack, mailbox, due_files
):
    [done] = stack.cli_json("files", "remind")
    assert done == {"mailed": 2, "relay": True}
    mails = {subject.split(": ")[1].split(",")[0]: (to, body) for to, subject, body in
             mailbox.messages}  # fmt: skip
    assert sorted(mails) == sorted([due_files["SOON"]["ref"], due_files["LATE"]["ref"]])
    to, body = mails[due_files["SOON"]["ref"]]
    assert to == [f"{KEEPER}@example.vn"]
    assert f"Tập công văn trao đổi {TAG}" in body and "còn 10 ngày" in body
    assert f"{PORTAL}/hoso/{due_files['SOON']['ref']}" in body
    _, body = mails[due_files["LATE"]["ref"]]
    assert "quá hạn 5 ngày" in body and "(tiêu đề không gửi qua e-mail" in body
    assert SECRET_TITLE not in body and "phương án" not in body
    [again] = stack.cli_json("files", "remind")
    assert again["mailed"] == 0 and len(mailbox.messages) == 2  # once per file


def test_the_due_list_in_the_cli_the_api_and_the_portal(stack, mailbox, due_files):
    [due] = stack.cli_json("files", "due")
    listed = {f["code"]: f for f in due["files"]}
    soon, late = due_files["SOON"]["code"], due_files["LATE"]["code"]
    assert sorted(listed) == sorted([soon, late])  # not LATER: 40 days off
    assert (listed[soon]["days_left"], listed[late]["days_left"]) == (10, -5)
    assert listed[late]["late"] and listed[soon]["reminded_at"]
    assert listed[late]["records"] == 1  # the operator sees the Mật record

    reader = stack.user(f"nl_reader_{TAG}", "reader", 0)
    api = reader.get(stack.url + "/api/hoso/delivery-soon", timeout=30)
    assert api.status_code == 200, api.text
    seen = {f["code"]: f for f in api.json()["files"]}
    assert sorted(seen) == sorted([soon, late]) and seen[late]["records"] == 0
    assert reader.get(stack.url + "/api/hoso/delivery-soon?as_of=x").status_code == 400

    page = reader.get(stack.url + "/hoso", timeout=30)
    assert page.status_code == 200
    section = page.text.split('id="delivery-soon"')[1].split("</section>")[0]
    assert "Sắp đến hạn nộp lưu" in page.text
    assert soon in section and late in section and due_files["LATER"]["code"] not in section
    assert "còn 10 ngày" in section and "quá hạn 5 ngày" in section
    file_page = reader.get(f"{stack.url}/hoso/{due_files['SOON']['ref']}", timeout=30)
    due_day = (clock.today() + timedelta(days=10)).strftime("%d/%m/%Y")
    assert f"{due_day} (còn 10 ngày)" in file_page.text
