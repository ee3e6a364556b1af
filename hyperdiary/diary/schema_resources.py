"""Entry schemas: every shipped and uploaded one, each with its JSON Schema document."""
from pyramid.authorization import Allow, Everyone

from ..security import ADMIN, PROFESSIONAL, Permissions
from ..resources import Resource


class Schemas(Resource):
    reveal_forbidden = True
    __acl__ = (
        (Allow, Everyone, Permissions.VIEW),
        (Allow, PROFESSIONAL, Permissions.SCHEMAS_ADD),
        (Allow, ADMIN, Permissions.SCHEMAS_ADD),
    )

    def __getitem__(self, name):
        schema = self.request.entry_schemas.by_key(self.dbsession, name)
        if schema is None:
            raise KeyError(name)
        return SchemaResource(self, name, schema)


class SchemaResource(Resource):
    """One schema; view `jsonschema` serves its document."""

    def __init__(self, parent, name, schema):
        super().__init__(parent, name)
        self.schema = schema

    @property
    def title(self) -> str | None:
        """What the pages' breadcrumbs call it (its key is an id)."""
        return self.schema.descriptor.get("title")
