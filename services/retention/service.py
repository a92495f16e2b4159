"""retention: assigns each classified record its retention class and disposition date, and
locks its original until then (S3 object lock), in one handler per event."""

from __future__ import annotations

from nameko.extensions import DependencyProvider

from services.common.config import process_settings
from services.common.dependencies import CatalogProvider
from services.common.health import Pingable
from services.common.messaging import event_handler
from services.common.metrics import Metrics
from services.retention.dossier_operations import DossierOperations
from services.retention.file_operations import FileOperations
from services.retention.handlers import assign_retention, recompute_retention, suggest_file
from services.retention.operations import RetentionOperations
from services.retention.schedule import load_schedule


class ScheduleProvider(DependencyProvider):
    def setup(self):
        self.schedule = load_schedule(process_settings().retention_schedule_file)

    def get_dependency(self, worker_ctx):
        return self.schedule


class RetentionService(Pingable, RetentionOperations, FileOperations, DossierOperations):
    name = "retention"
    metrics = Metrics()

    catalog = CatalogProvider()
    schedule = ScheduleProvider()

    @event_handler("classification", "record.classified")
    def on_record_classified(self, payload: dict) -> None:
        record = self.catalog.get(payload["record_id"])  # events carry no metadata
        retention = assign_retention(record, self.catalog, self.schedule)
        self.retention.lock_original(record["id"], retention)
        suggest_file(record, self.retention.store)

    @event_handler("classification", "record.metadata_corrected")
    def on_metadata_corrected(self, payload: dict) -> None:
        retention = recompute_retention(payload, self.catalog, self.schedule)
        self.retention.lock_original(payload["record_id"], retention)
