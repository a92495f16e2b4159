"""The reminder that a closed hồ sơ is due for nộp lưu vào lưu trữ cơ quan: NĐ 30/2020 Phụ lục
VI Phần I has the system remind its users of files due 30 days ahead; Điều 30 sets the due day
(a year after the matter ended; `services/retention/files.py`, `delivery_due`).

Retention lists the files due within 30 days (and late ones) not reminded yet; the gateway's
hourly timer (and `luutru files remind`) mails each one once, when a relay is set
(`LUUTRU_SMTP_HOST`): the file's reminder is claimed before sending and put back if the relay
fails, as a saved search's notice is (saved_searches.py), so a restart or a second gateway
sends nothing twice and a failed mail is retried next hour.

Who is told: the account the danh mục names as the file's người lập hồ sơ (`responsible`, when
it is an account's name); else the clerks and archivists of the file's unit (an account's
unit, compared as `same_unit` compares units); else, nobody being known, every archivist (the
records staff who receive the nộp lưu). Disabled accounts and accounts without an e-mail
address are skipped; with nobody left the file is not claimed and is looked at again next run.

The mail names the file's code, unit, due day and a link; its title only when no record of
the file is secret or a petition (`files.mailable_file_title`), so nothing above any
recipient's clearance, and no trích yếu of a secret, travels by e-mail.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any
from urllib.parse import quote

from services.common.clock import day_first
from services.common.mail import Mailer, send_once
from services.retention.files import delivery_state, same_unit

UNIT_ROLES = ("clerk", "archivist")  # who keeps and delivers a unit's files (FILING_ROLES)
RECORDS_STAFF = "archivist"
WITHHELD_TITLE = "(tiêu đề không gửi qua e-mail; xem trong cổng thông tin)"


def _name(value: str | None) -> str:
    return unicodedata.normalize("NFC", value or "").strip().casefold()


def recipients(file: Mapping[str, Any], accounts: Iterable[Mapping[str, Any]]) -> list[str]:
    """The addresses the file's reminder goes to: its người lập hồ sơ's account, else its
    unit's clerks and archivists, else every archivist; only active accounts with an e-mail."""
    reachable = [a for a in accounts if a.get("email") and not a.get("disabled")]
    responsible = _name(file.get("responsible"))
    named = [a for a in reachable if responsible and _name(a["name"]) == responsible]
    unit = [
        a
        for a in reachable
        if file.get("unit") and a["role"] in UNIT_ROLES and a.get("unit")
        and same_unit(file, a["unit"])
    ]  # fmt: skip
    staff = [a for a in reachable if a["role"] == RECORDS_STAFF]
    chosen = named or unit or staff
    return sorted({a["email"] for a in chosen})


def reminder_mail(file: Mapping[str, Any], portal: str) -> tuple[str, str]:
    """(subject, body) in Vietnamese: the file, its last day and how far off it is, a link."""
    ref = f"{file['year']}/{file['code']}"
    due = day_first(file["delivery_due"])
    state = "đã quá hạn nộp lưu" if file["late"] else "sắp đến hạn nộp lưu"
    when = delivery_state(int(file["days_left"]))
    subject = f"[luutru] Hồ sơ {state}: {ref}, hạn {due}"
    keeper = [f"đơn vị: {file['unit']}"] if file.get("unit") else []
    keeper += [f"người lập hồ sơ: {file['responsible']}"] if file.get("responsible") else []
    body = [
        f"Hồ sơ {ref}: {file.get('title') or WITHHELD_TITLE}",
        *([f"({'; '.join(keeper)})"] if keeper else []),
        "",
        f"Hạn nộp lưu vào lưu trữ cơ quan: {due} ({when}).",
        "Hồ sơ đã kết thúc được nộp lưu trong 01 năm kể từ khi công việc kết thúc "
        "(Nghị định 30/2020/NĐ-CP, Điều 30).",
        "",
        f"Xem hồ sơ: {portal}/hoso/{file['year']}/{quote(str(file['code']))}",
        f"Danh sách hồ sơ sắp đến hạn nộp lưu: {portal}/hoso",
    ]
    return subject, "\n".join(body) + "\n"


def mail_reminders(
    due: Iterable[Mapping[str, Any]],
    recipients_of: Callable[[Mapping[str, Any]], list[str]],
    claim: Callable[[str], str | None],
    release: Callable[[str, str], None],
    mailer: Mailer,
    portal: str,
) -> int:
    """Mail each file's reminder once (`due`: the files not reminded yet): claimed before
    sending, put back when the relay fails. One mail a file, to all its recipients. Returns
    how many mails went out."""
    sent = 0
    for file in due:
        addresses = recipients_of(file)
        if not addresses:  # nobody to tell yet: no claim, looked at again next run
            continue
        sent += send_once(
            mailer,
            ", ".join(addresses),
            reminder_mail(file, portal),
            partial(claim, file["id"]),
            partial(release, file["id"]),
            f"file {file['id']}: nộp lưu reminder",
        )
    return sent
