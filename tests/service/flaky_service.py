"""A service whose handlers meet transient faults, to prove retries with backoff.

`on_record_indexed` fails with `TransientError` `FLAKY_FAILURES` times, then succeeds.
`always_down` always fails transiently. Each delivery appends a line to
`$LUUTRU_DATA/attempts-<method>-<event_id>.log`, so the test sees every attempt and its time.
"""

import os
import time
from pathlib import Path

from services.common.errors import TransientError
from services.common.messaging import event_handler


def note_attempt(method: str, payload: dict) -> int:
    log = Path(os.environ["LUUTRU_DATA"]) / f"attempts-{method}-{payload['event_id']}.log"
    with log.open("a") as f:
        f.write(f"{time.time()}\n")
    return len(log.read_text().splitlines())


class FlakyService:
    name = "flaky"

    @event_handler("ingest", "record.indexed")
    def on_record_indexed(self, payload):
        attempt = note_attempt("on_record_indexed", payload)
        if attempt <= int(os.environ.get("FLAKY_FAILURES", "2")):
            raise TransientError(f"Kho tạm thời không ghi được / Store hiccup #{attempt}")

    @event_handler("ingest", "record.indexed")
    def always_down(self, payload):
        note_attempt("always_down", payload)
        raise TransientError("Chỉ mục không phản hồi / Index does not answer")
