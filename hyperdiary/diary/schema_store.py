"""Where entry schemas are found: shipped ones (schemas/diary/) in memory, uploaded ones in the database."""
import threading

import orjson
from sqlalchemy import select

from ..schemas import EntrySchema, default_diary_schemas, shipped_schemas
from .models import StoredSchema


class SchemaRegistry:
    """Finds entry schemas by $id or by key: shipped ones from memory, uploaded ones from the database
    (then cached: they never change)."""

    def __init__(self, shipped: dict[str, EntrySchema]):
        self.shipped = shipped
        self._cache = dict(shipped)
        self._by_key = {s.key: s for s in shipped.values()}
        self._lock = threading.Lock()

    def _remember(self, schema):
        with self._lock:
            self._cache[schema.id] = schema
            self._by_key[schema.key] = schema
        return schema

    def _build(self, row: StoredSchema) -> EntrySchema:
        return self._remember(EntrySchema(orjson.loads(row.document)))

    def get(self, dbsession, schema_id: str) -> EntrySchema | None:
        schema = self._cache.get(schema_id)
        if schema is None:
            row = dbsession.get(StoredSchema, schema_id)
            schema = self._build(row) if row is not None else None
        return schema

    def get_many(self, dbsession, schema_ids) -> list[EntrySchema]:
        """The schemas of these $ids that exist, in the order given."""
        missing = [i for i in schema_ids if i not in self._cache]
        if missing:
            for row in dbsession.scalars(select(StoredSchema).where(StoredSchema.id.in_(missing))):
                self._build(row)
        return [self._cache[i] for i in schema_ids if i in self._cache]

    def in_memory(self, schema_ids) -> list[EntrySchema] | None:
        """get_many's answer when every one of these schemas is in memory already (no session needed), else None."""
        cache = self._cache
        if all(i in cache for i in schema_ids):
            return [cache[i] for i in schema_ids]
        return None

    def by_key(self, dbsession, key: str) -> EntrySchema | None:
        schema = self._by_key.get(key)
        if schema is None:
            row = dbsession.scalar(select(StoredSchema).where(StoredSchema.key == key))
            schema = self._build(row) if row is not None else None
        return schema

    def all(self, dbsession) -> list[EntrySchema]:
        """Shipped schemas first (in file order), then uploads, oldest first."""
        uploaded = dbsession.scalars(select(StoredSchema.id).order_by(StoredSchema.created, StoredSchema.id))
        return list(self.shipped.values()) + self.get_many(dbsession, [i for i in uploaded if i not in self.shipped])

    def exists(self, dbsession, schema_id: str) -> bool:
        return self.get(dbsession, schema_id) is not None


def includeme(config):
    """`request.entry_schemas` (the registry) and the $ids a new diary starts with."""
    settings = config.get_settings()
    registry = SchemaRegistry(shipped_schemas(settings))
    config.registry["entry_schemas"] = registry
    config.registry["default_diary_schemas"] = default_diary_schemas(settings, registry.shipped)
