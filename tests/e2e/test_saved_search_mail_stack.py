"""Saved searches' daily notice by e-mail on a stack of its own, with a real SMTP receiver
(aiosmtpd): one mail to the owner, naming the new record they may see and nothing of the Mật
one above their clearance; running the notice again sends nothing more."""

from __future__ import annotations

import uuid
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from tests.e2e.conftest import free_port
from tests.e2e.stacks import own_stack
from tests.fixtures.documents import born_digital_pdf

WORD = f"daidien{uuid.uuid4().hex[:6]}"  # one word only these records hold
PORTAL = "https://luutru.office:8443"
PLAIN = ["ỦY BAN NHÂN DÂN TỈNH BÌNH ĐỊNH", "Số: 31/KH-UBND", "KẾ HOẠCH",
         f"Phòng, chống lụt bão năm 2026 {WORD}", "Các đơn vị triển khai thực hiện."]  # fmt: skip
SECRET = ["MẬT", "TỈNH ỦY BÌNH ĐỊNH", "Số 09-BC/TU", "BÁO CÁO",
          f"về phương án bảo vệ đê điều {WORD}", "Nội dung mật của báo cáo."]  # fmt: skip


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], str, str]] = []

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.rcpt_tos, message["Subject"], message.get_content()))
        return "250 OK"


@pytest.fixture(scope="module")
def mailbox():
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield box, controller.port
    controller.stop()


@pytest.fixture(scope="module")
def stack(tmp_path_factory, mailbox):
    smtp = {"LUUTRU_SMTP_HOST": "127.0.0.1", "LUUTRU_SMTP_PORT": str(mailbox[1])}
    with own_stack(tmp_path_factory, "savedmail", LUUTRU_PORTAL_URL=PORTAL, **smtp) as s:
        yield s


def test_one_mail_with_only_the_visible_new_record_and_no_second(stack, mailbox):
    box, _ = mailbox
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
