"""The audit trail's pure rules: which reads are evidence, and that a MAC needs the key."""

from __future__ import annotations

import pytest

from services.common import audit

ENTRY = ("0" * 64, 1, "2026-12-03T05:00:00", "lan", "read_text", "r1", "cli", "{}")


@pytest.mark.parametrize(
    ("record", "restricted"),
    [
        ({"register": "den", "metadata": {"secrecy": "mat"}}, True),
        ({"register": "don", "metadata": {}}, True),
        ({"register": "den", "metadata": {"petition": {"kind": "to_cao"}}}, True),
        # a tố cáo forwarded by another office: registered đến, known by its kind alone
        ({"register": "den", "metadata": {"secrecy_known": True, "kind": "don_to_cao"}}, True),
        ({"register": "den", "metadata": {"secrecy_known": True, "kind": "cong_van"}}, False),
        ({"register": "den", "metadata": {"secrecy": None, "secrecy_known": True}}, False),
        ({"register": "di", "metadata": {"secrecy_known": True}}, False),
        # not yet classified: its level is unknown, so it counts as Tuyệt mật
        ({"register": "di", "metadata": None}, True),
    ],
)
def test_reads_of_secrets_and_petitions_are_evidence(record, restricted):
    assert audit.restricted(record) is restricted


def test_an_entry_mac_differs_from_its_plain_hash_and_from_another_keys():
    plain = audit.entry_hash(None, *ENTRY)
    assert audit.entry_hash(b"a" * 32, *ENTRY) not in {plain, audit.entry_hash(b"b" * 32, *ENTRY)}


def test_the_head_mac_covers_count_and_last_hash():
    key = b"a" * 32
    head = audit.head_mac(key, 5, "f" * 64)
    assert head not in {audit.head_mac(key, 4, "f" * 64), audit.head_mac(key, 5, "e" * 64)}
