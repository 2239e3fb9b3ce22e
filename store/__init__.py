"""The SellerWatch store: one SQLAlchemy Core schema, SQLite by default, PostgreSQL by URL."""

from store.db import SCHEMA_VERSION, Store, StoreError, default_db_url

__all__ = ["SCHEMA_VERSION", "Store", "StoreError", "default_db_url"]
