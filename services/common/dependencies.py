"""nameko DependencyProviders: the composition root of every service.

`setup()` reads the settings once and builds the adapter; workers get the adapter itself
(each adapter is safe to share between green threads of one process).
"""

from __future__ import annotations

from nameko.extensions import DependencyProvider

from services.common.catalog import SqlCatalog
from services.common.config import process_settings
from services.common.objects import settings_store


class SettingsProvider(DependencyProvider):
    def setup(self):
        self.settings = process_settings()

    def get_dependency(self, worker_ctx):
        return self.settings


class CatalogProvider(DependencyProvider):
    def setup(self):
        self.catalog = SqlCatalog(process_settings().catalog_dsn)

    def stop(self):
        self.catalog.engine.dispose()

    def get_dependency(self, worker_ctx):
        return self.catalog


class ObjectStoreProvider(DependencyProvider):
    def setup(self):
        self.store = settings_store(process_settings())

    def get_dependency(self, worker_ctx):
        return self.store
