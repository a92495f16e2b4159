"""The ocr service with the `Metrics` dependency (the one-line addition proposed for every
service.py), so the scale-out test can read what each process handled from its /metrics and
its JSON log lines."""

from services.common.metrics import Metrics
from services.ocr.service import OcrService


class MeteredOcrService(OcrService):
    metrics = Metrics()
