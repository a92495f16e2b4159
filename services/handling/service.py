"""handling: tasks on incoming documents (trình, phân phối, giải quyết, nhắc việc, thống kê).

Entrypoints only: each validates its arguments, calls one use case, dispatches or returns.
Every RPC is an operator RPC (the CLI and the gateway, which passes the authenticated
caller's name and clearance; the CLI's `clearance=None` is the operator's full view).
"""

from __future__ import annotations

from datetime import date

from nameko.timer import timer

from services.common import clock
from services.common.callers import operator_rpc
from services.common.dependencies import ObjectStoreProvider
from services.common.health import Pingable
from services.common.mail import MailerProvider
from services.common.messaging import ValidatingDispatcher, event_handler
from services.common.metrics import Metrics
from services.handling import book, handlers, outbox, reminders
from services.handling.dependencies import HandlingProvider
from services.handling.stats import Period
from services.handling.tasks import PAGE

OUTBOX_EVERY_S = 5  # events left unpublished go out within this (plus outbox.GRACE)
REMIND_EVERY_S = 900  # the timer marks due-soon and overdue tasks (and mails) this often
REWRITE_EVERY_S = 30  # destroyed records' task rows leave the database's files within this


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise handlers.TaskError("Ngày không hợp lệ (YYYY-MM-DD) / Bad date") from None


def _today(as_of: str | None = None) -> date:
    return _day(as_of) or clock.today()


def _period(start: str | None, end: str | None) -> Period:
    return Period(_day(start), _day(end))


def _as_of(period: Period) -> date:
    """Overdue and open as of the period's end, or today if that is earlier."""
    return min(period.end, clock.today()) if period.end else clock.today()


class HandlingService(Pingable):
    name = "handling"
    metrics = Metrics()

    handling = HandlingProvider()
    objects = ObjectStoreProvider()
    mailer = MailerProvider()
    dispatch = ValidatingDispatcher()

    @event_handler("classification", "record.classified")
    def on_record_classified(self, payload: dict) -> None:
        """Count the record; remember the deadline written in an incoming text (idempotent)."""

        def text() -> str:
            return "\n".join(self.objects.get(key).decode() for key in payload["text_keys"])

        handlers.classified(self.handling, payload["record_id"], text)

    @event_handler("classification", "record.metadata_corrected")
    def on_metadata_corrected(self, payload: dict) -> None:
        """A corrected kind, organ or secrecy counts at once (idempotent)."""
        self.handling.store.project(payload["record_id"])

    @event_handler("retention", "record.disposed")
    def on_record_disposed(self, payload: dict) -> None:
        """A destruction batch destroyed the record: its open tasks close and what its tasks
        said of it is forgotten (idempotent)."""
        _closed, done_events = handlers.destroyed(self.handling, payload["record_id"], _today())
        outbox.publish(self.handling.store, self.dispatch, done_events)

    # --- tasks ---------------------------------------------------------------------------------

    @operator_rpc
    def assign(self, record_id: str, assignee: str, by: str, support: list[str] | None = None,
               due: str | None = None, note: str | None = None,
               clearance: int | None = None) -> dict:  # fmt: skip
        task, event = handlers.assign(
            self.handling, record_id, assignee, by, _today(), support=list(support or ()),
            due=due, note=note, clearance=clearance,
        )  # fmt: skip
        outbox.publish(self.handling.store, self.dispatch, [event])
        return task

    @operator_rpc
    def done(self, task_id: str, by: str, result: str, reply: str | None = None,
             clearance: int | None = None) -> dict:  # fmt: skip
        today = _today()
        task, event = handlers.finish(self.handling, task_id, by, result, today, reply, clearance)
        outbox.publish(self.handling.store, self.dispatch, [event])
        return task

    @operator_rpc
    def close_recalled(self, record_id: str) -> list[dict]:
        """Close the open tasks of an incoming document its sender recalled (the gateway and
        the CLI, once the recall is done); idempotent."""
        closed, done_events = handlers.close_recalled(self.handling, record_id, _today())
        outbox.publish(self.handling.store, self.dispatch, done_events)
        return closed

    @operator_rpc
    def forward(self, task_id: str, to: str, by: str, note: str | None = None,
                clearance: int | None = None) -> dict:  # fmt: skip
        return handlers.forward(self.handling, task_id, to, by, note, clearance)

    @operator_rpc
    def note(self, task_id: str, by: str, text: str, clearance: int | None = None) -> dict:
        return handlers.note(self.handling, task_id, by, text, clearance)

    @operator_rpc
    def list_tasks(self, user: str | None = None, status: str = "open", overdue: bool = False,
                   as_of: str | None = None, clearance: int | None = None,
                   identity: bool = True, limit: int = PAGE) -> dict:  # fmt: skip
        found = handlers.list_tasks(
            self.handling, _today(as_of), user=user, status=status, overdue=bool(overdue),
            clearance=clearance, identity=identity, limit=int(limit),
        )  # fmt: skip
        return {"tasks": found}

    @operator_rpc
    def record_history(self, record_id: str, clearance: int | None = None,
                       identity: bool = True) -> dict:  # fmt: skip
        return handlers.record_history(self.handling, record_id, _today(), clearance, identity)

    @operator_rpc
    def badge(self, user: str, clearance: int) -> dict:
        return handlers.badge(self.handling, user, _today(), int(clearance))

    @operator_rpc
    def set_email(self, user: str, email: str) -> dict:
        if "@" not in (email or ""):
            raise handlers.TaskError("Địa chỉ e-mail không hợp lệ / Bad e-mail address")
        self.handling.store.set_contact(user, email.strip())
        return {"user": user, "email": email.strip()}

    # --- reminders and statistics -----------------------------------------------------------

    @operator_rpc
    def remind(self, as_of: str | None = None) -> dict:
        return {"reminded": reminders.remind(self.handling, _today(as_of), self.mailer)}

    @timer(interval=OUTBOX_EVERY_S)
    def publish_outbox(self) -> None:
        """Events whose RPC could not publish them (broker down, process killed)."""
        outbox.publish_pending(self.handling.store, self.dispatch)

    @timer(interval=REMIND_EVERY_S)
    def remind_on_timer(self) -> None:
        reminders.remind(self.handling, _today(), self.mailer)

    @timer(interval=REWRITE_EVERY_S)
    def forget_old_pages(self) -> None:
        """What destroyed records' tasks said, out of the database's files too (once for all
        the records disposed of since the last time, by this process or one killed before
        its tick: what is owed is kept in the catalog)."""
        self.handling.store.forget_old_pages()

    @operator_rpc
    def stats(self, start: str | None = None, end: str | None = None,
              clearance: int | None = None) -> dict:  # fmt: skip
        period = _period(start, end)
        level = handlers.level_of(clearance)
        return handlers.statistics(self.handling, level, period, _as_of(period))

    @operator_rpc
    def recount(self) -> dict:
        """Rebuild the statistics' counters from the records and tasks (after a restore, or to
        check them: `corrected` counts those that were wrong)."""
        return self.handling.store.recount()

    @operator_rpc
    def follow_up_book(self, start: str, end: str, clearance: int | None = None,
                       identity: bool = True) -> dict:  # fmt: skip
        """Sổ theo dõi giải quyết văn bản đến of the period: its title, columns and rows (a
        letter's trích yếu only with `identity`: the caller may see petitioners)."""
        period = _period(start, end)
        level = handlers.level_of(clearance)
        entries = book.book_entries(self.handling.store.engine, level, period)
        units = self.handling.store.units()
        as_of = _as_of(period)
        table = book.book_table(entries, period.start, period.end, as_of, units, identity)
        return {"title": table.title, "period": period.to_dict(), "columns": list(table.columns),
                "rows": table.rows}  # fmt: skip
