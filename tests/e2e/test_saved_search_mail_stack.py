"""Saved searches' daily notice by e-mail on the mail stack (shared with test_handling), with
a real SMTP receiver (aiosmtpd): one mail to the owner, naming the new record they may see and
nothing of the Mật one above their clearance; running the notice again sends nothing more.
Only this module's records hold its saved search's word, so the other module's records are
never news to it."""

from __future__ import annotations

import uuid

import pytest

from tests.e2e.conftest import MAIL_PORTAL as PORTAL
from tests.e2e.conftest import MailStack
from tests.fixtures.documents import born_digital_pdf
from tests.smtp_relay import MailView

WORD = f"daidien{uuid.uuid4().hex[:6]}"  # one word only these records hold
PLAIN = ["ỦY BAN NHÂN DÂN TỈNH BÌNH ĐỊNH", "Số: 31/KH-UBND", "KẾ HOẠCH",
         f"Phòng, chống lụt bão năm 2026 {WORD}", "Các đơn vị triển khai thực hiện."]  # fmt: skip
SECRET = ["MẬT", "TỈNH ỦY BÌNH ĐỊNH", "Số 09-BC/TU", "BÁO CÁO",
          f"về phương án bảo vệ đê điều {WORD}", "Nội dung mật của báo cáo."]  # fmt: skip


@pytest.fixture(scope="module")
def stack(mail_stack: MailStack):
    return mail_stack.stack


@pytest.fixture(scope="module")
def mailbox(mail_stack: MailStack) -> MailView:
    return mail_stack.mailbox.from_now()


def test_one_mail_with_only_the_visible_new_record_and_no_second(stack, mailbox):
    box = mailbox  # the mail since this module began: another module's is not in it
    reader = stack.user("thu_mail", "reader", 0)
    stack.cli("users", "contact", "thu_mail", "--email", "thu@example.vn")
    body = {"name": "Lụt bão", "q": WORD, "notify": True}
    made = reader.post(stack.url + "/api/saved-searches", json=body, timeout=60)
    assert made.status_code == 201, made.text
    uploads = {
        "plain": stack.upload("kh-lut-bao.pdf", born_digital_pdf([PLAIN])),
        "secret": stack.upload("bc-mat.pdf", born_digital_pdf([SECRET])),
    }
    done = {name: stack.wait_final(r.json()["id"]) for name, r in uploads.items()}
    assert all(r["status"] == "indexed" for r in done.values()), done
    assert done["secret"]["metadata"]["secrecy"] == "mat"

    stack.cli("searches", "notify")
    assert len(box.messages) == 1, box.messages
    to, subject, text = box.messages[0]
    assert to == ["thu@example.vn"]
    assert "«Lụt bão»" in subject and "1 văn bản mới" in subject
    assert f"{PORTAL}/records/{done['plain']['id']}" in text
    title = done["plain"]["metadata"]["subject"]
    assert title and title in text, (title, text)
    assert done["secret"]["id"] not in text and "đê điều" not in text
    assert done["secret"]["metadata"]["subject"] not in text

    stack.cli("searches", "notify")  # again: nothing new, and the notice was mailed
    assert len(box.messages) == 1
