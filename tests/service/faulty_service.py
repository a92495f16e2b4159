"""A service whose handler always raises, to prove failed messages are dead-lettered."""

from services.common.messaging import event_handler


class FaultyService:
    name = "faulty"

    @event_handler("ingest", "record.indexed")
    def on_record_indexed(self, payload):
        raise RuntimeError("simulated crash inside a handler")
