"""Record kinds, declared once.

A kind of stored record (a mood log, a journal, a journal's tag ...) is a subclass of `Kind` that says only
what is particular to it: its model, where its collection hangs in the traversal tree, the JSON Schema of its
bodies, the fields and links of its representation, its permissions, its listing order and filters, and the
fields that make two records "the same" (dedupe). `config.add_record_kind(TheKind)` then gives it, from this
module and nothing per kind:

- its traversal nodes (a collection below its parent, an item below that; 404 for what is not there),
- list (keyset paged, filtered by its listing schema; `modified_after` sync with tombstones), create (one
  INSERT, dedupe-aware and race-safe), get, PATCH, PUT (when declared), soft DELETE, all with ETags, If-Match
  and If-None-Match,
- the link on its parent for callers who may use it, the column-length guards of its body schema,
- a place in the registry (`request.registry.kinds`) that everything listing kinds reads: OpenAPI, the
  JSON-LD context, export, the contract test suite.

Hooks (`values`, `represent_many`, `type_of`, `page_extras`, `page_links`, `scope`, `owns`, `filter`, `created`,
`store`, `changed`, `deleting`, `page_forms`, `export_parts`, `fhir`) let a kind add its domain rules to the one pipeline; views by hand remain only
for what is not record CRUD (statistics, tracker, batch, reports, subject-log entries ...).
docs/architecture.md walks through adding a kind.
"""
from __future__ import annotations

import functools
from typing import NamedTuple
from collections.abc import Iterable

from pyramid.httpexceptions import HTTPNoContent
from sqlalchemy import bindparam, select

from . import hypermedia as hm
from .bodies import column_limits
from .inputs import REPRESENTATION_KEYS, Listing, json_object, query, writable
from .models.meta import new_id
from .paging import kept, records_page
from .records import bump, dedupe_key, flush_or_conflict, insert_new, insert_unless_exists, plain_rows, soft_delete
from .resources import Resource, child_collection, is_id
from .security import Permissions


class Item(Resource):
    """One live record of a kind, below its collection. `record` is a plain row on reads and the locked ORM
    object on writes (Resource.find)."""

    kind: Kind = None

    def __init__(self, parent, name, record):
        super().__init__(parent, name)
        self.record = record

    @property
    def client(self):
        return self.__parent__.client

    def __getitem__(self, name):
        return child_collection(self, name)


class Collection(Resource):
    """The records of a kind below one parent record: a child is a live record the kind says belongs here
    (`Kind.owns`: by default, its parent column names the parent's record), wrapped in the kind's item class;
    anything else is a KeyError (404)."""

    kind: Kind = None
    model = None
    child = None

    @property
    def client(self):
        return self.__parent__.client

    @property
    def parent_id(self) -> str | None:
        """The id of the record the collection hangs below (None for a collection on the root)."""
        record = getattr(self.__parent__, "record", None)
        return None if record is None else record.id

    def owns(self, record) -> bool:
        return self.kind.owns(self, record)

    @classmethod
    def child_step(cls, registry, name):
        return (cls.child, cls.model) if is_id(name) else None

    def __getitem__(self, name):
        record = self.find(self.model, name)
        if record is None or record.deleted is not None or not self.owns(record):
            raise KeyError(name)
        return self.child(self, name, record)


class Counted(NamedTuple):
    """How a client's reports (hyperdiary/reports/) count a kind's live records: under `name` (default: the
    kind's collection name), by the column of each record's own time, only those whose column `where` is true;
    `listed`: entriesSince lists the records too (in their representation) besides counting them."""

    time: str
    name: str | None = None
    where: str | None = None
    listed: bool = True


class Link:
    """A link of each record's representation to a resource below the record (`path`: traversal names; a
    view name last, without a slash, when `view`). Shown to every caller who may see the record, or with a
    `permission`, to those who have it on the collection (records carry no ACL of their own: the one
    check serves a whole page)."""

    def __init__(self, name: str, *path: str, view: str = "", permission=None):
        self.name = name
        self.path = "".join(f"{step}/" for step in path) + view
        self.permission = permission


class Kind:
    """A declaration. Class attributes say what is particular to the kind; methods are hooks with defaults."""

    name: str = None             # its @type (the namespace plus this), OpenAPI tag, JSON-LD prefix
    type_name: str = None        # its @type's name when several kinds share one (default: `name`)
    model = None                 # a models.meta.SoftDeleted mapped class
    parent: type = None          # the resource class its collection hangs below (e.g. ClientResource)
    parent_column: str = None    # the model's column holding the parent record's id
    collection: str = None       # the collection's traversal name below the parent, also the parent's link name
    collection_type: str = None  # the collection's @type name (default: `collection`)
    collection_class: type = None  # resource classes of its own (views by name hang on them), or generated
    item_class: type = None
    body: str = None             # schemas/<body>.json checks its bodies (default: `name`; False: none, the
                                 # kind checks its bodies itself, e.g. entries by their own entry schema)
    fields: tuple = ()           # the representation's own fields, in order (columns of the model by default)
    read_only: frozenset = frozenset()  # representation fields the server keeps: in a body, a 400
    links: tuple = ()            # Link(...)s of each record's representation
    parent_link: str = None      # the name of a link from each record up to its parent record ("goal")
    parent_links: tuple = ()     # (link name, view name, permission): the parent's links to the collection
                                 # (view "") and its views
    collection_links: tuple = ()  # (link name, view name, permission): a listing page's links to its views
    order: str = None            # the listing's sort column (newest first unless `ascending`; default: the
                                 # model's `listing_order`, clients.models.ClientOwned)
    listing_view: str = ""       # the view name the collection lists at ("" is the collection itself)
    ascending: bool = False
    listing = Listing            # the colander schema of the listing's query
    dedupe: tuple = ()           # fields whose equal values make two records the same (dedupe_key column)
    identical: str = "An identical record exists already."  # the 409 of a change that makes two the same
    erase: dict = {}             # what a delete clears (health data nobody should read again)
    put: bool = False            # PUT replaces the record's fields
    creatable: bool = True       # POST on the collection (False: records come from elsewhere, e.g. generated)
    deletable: bool = True
    changeable: bool = True      # PATCH (False: records written elsewhere only, e.g. the reminder worker's deliveries)
    view_permission = Permissions.VIEW
    write_permission = None      # create, change and delete
    list_permission = None       # the listing and create, when they differ from view and write (a root
    create_permission = None     # collection's ACL is not its records')
    grants: tuple = ()           # who gets `write_permission` on the client: "owner", "professional"
    columns: tuple = None        # what a listing reads (default: every column)
    example: dict = None         # a valid create body (OpenAPI's example, the contract tests)
    change: dict = None          # a valid PATCH body
    counted: tuple = ()          # Counted(...)s: how the client's reports count its records
    field_permissions: dict = {}  # {field: the permission needed to set it}: the pages offer it only to those
                                  # who hold it (hyperdiary/pages/forms.py); the kind's `values` still checks
    references: dict = {}        # {field: (the root's link to where such records are made, a body making one)}:
                                 # the `example` fields that hold the @url of a record elsewhere (a tag's type)
    # What the OpenAPI document says beyond what follows from the above (hyperdiary/openapi.py): a field's
    # schema follows from its column's type; these add what a column does not say.
    represented: dict = {}       # {field: JSON Schema}: fields that are no column, or whose column says too
                                 # little (a JSON column's items, an enum); a representation's own keys
    others: dict = None          # the schema of keys besides these (entries: their schema's fields)
    page_fields: dict = {}       # {key: JSON Schema} of what page_extras adds to a listing's page
    summaries: dict = {}         # {"list" | "create" | "get" | "patch" | "put" | "delete": summary}
    tag: str = None              # its operations' tag (default: `collection`)
    api_name: str = None         # its name in operationIds (default: `name` in CamelCase)
    component: str = None        # its representation's component name (default: api_name)
    link_names: dict = {}        # {operation: the link leading to it} where not a link of its parent
    statuses: dict = {}          # {operation: (status, ...)} answered beyond what follows from the declaration

    def __init__(self):
        if self.body is None:
            self.body = self.name
        self.type_name = self.type_name or self.name
        self.collection_type = self.collection_type or self.collection
        self.table = self.model.__table__
        self.columns = self.columns or (self.table,)
        self.list_permission = self.list_permission or self.view_permission
        self.create_permission = self.create_permission or self.write_permission
        indexed = getattr(self.model, "listing_order", None)
        self.order = self.order or indexed
        if indexed is not None and indexed != self.order:
            raise ValueError(f"The kind {self.name!r} lists by {self.order!r}, its model's index by {indexed!r}.")
        self.order_column = getattr(self.model, self.order)
        # What a listing selects before its page is cut: built once (paging.kept says why), its parent's
        # id a bind parameter (`parent_id`).
        self.listing_select = kept(select(*self.columns).where(*self.below_parent))
        if self.collection_class is None:
            self.collection_class = type(_class_name(self.collection), (Collection,), {})
        if self.item_class is None:
            self.item_class = type(_class_name(self.name) + "Resource", (Item,), {})
        # The resource classes know their kind. Several apps in one process (the test suite makes a few) each
        # make an instance of the same declaration: equal, holding nothing of their app, so the last one serves.
        for cls in (self.collection_class, self.item_class):
            cls.kind = self
        self.collection_class.model = self.model
        self.collection_class.child = self.item_class
        # What kinds declared elsewhere add to this one's records (config.add_kind_extension: feedback on every
        # record of a client's kinds): fields of their representations, each computed for a whole page at once
        # as `annotate(request, collection, rows) -> {record id: {field: value}}`, their schemas (OpenAPI), and
        # what a delete of one of its records does to theirs.
        self.annotations = []
        self.annotation_fields = {}
        self.on_delete = []

    def __repr__(self):
        return f"<kind {self.name}>"

    @functools.cached_property
    def names_client(self) -> bool:
        """Whether a record of the kind hangs below another record of a client (a tag below a journal) and so
        names its client besides its parent: statements on it name the client (hyperdiary/distribution.py)."""
        return self.parent_column != "client_id" and "client_id" in self.table.c

    @property
    def below_parent(self) -> tuple:
        """The conditions of the records below one parent, bound as `parent_id` (and `client_id`)."""
        found = (getattr(self.model, self.parent_column) == bindparam("parent_id"),)
        return (*found, self.model.client_id == bindparam("client_id")) if self.names_client else found

    def parent_values(self, context) -> dict:
        """The values of `below_parent` for a collection."""
        values = {"parent_id": context.parent_id}
        return dict(values, client_id=context.client_id) if self.names_client else values

    @classmethod
    def of(cls, request) -> "Kind":
        """The declaration as registered in the request's app."""
        return request.registry.kinds[cls.name]

    # --- hooks ------------------------------------------------------------------------------------------

    def values(self, request, data: dict, current=None, *, replace=False) -> dict:
        """The columns to store from a body: checked by the kind's schema after a PATCH's merge onto
        `current` (a PUT, `replace`, leaves out nothing: what the body omits is cleared)."""
        if current is not None and not replace:
            data = dict(self.stored(current), **data)
        return dict(request.bodies.check(self.body, data))

    def stored(self, record) -> dict:
        """A record's fields as a body would give them (what a PATCH merges onto)."""
        return {name: _as_json(getattr(record, name)) for name in self.fields}

    def represent_many(self, request, base_url: str, rows) -> list[dict]:
        """The own fields of each live row's representation (its collection at `base_url`), in one go: a kind
        that joins more does it once per page here, not once per row. `@links` among them are added to the
        declared links; an `@type` among them is the record's own (entries: their schema's $id)."""
        fields = self.fields
        return [{name: getattr(row, name) for name in fields} for row in rows]

    def type_of(self, request, row) -> str:
        """A deleted record's @type, for its tombstone: the kind's IRI (entries: the $id of their schema)."""
        return self.type_iri(request)

    def page_extras(self, request, items) -> dict:
        """Keys a listing's page carries besides its items (entries: the @schemas of the live ones)."""
        return {}

    def scope(self, request, context, params):
        """What the listing selects (the kind's `columns`): the records of the collection's parent record (its
        id is bound when the listing runs)."""
        return self.listing_select

    def owns(self, collection, record) -> bool:
        """Whether a record found by its id belongs in this collection (else a 404)."""
        return getattr(record, self.parent_column) == collection.parent_id

    def filter(self, request, context, stmt, params):
        """The listing's statement narrowed by the listing schema's parameters."""
        return stmt

    def page_links(self, request, context) -> list:
        """The links of a listing's page (besides `next`)."""
        return hm.links(*(hm.link(request, name, context, view, permission=permission)
                          for name, view, permission in self.collection_links))

    def created(self, request, context, row):
        """After a record was stored by a create (e.g. a goal's tracking items are generated)."""

    def store(self, request, item, values: dict):
        """Write a change's values into the (locked) record."""
        record = item.record
        for name, value in values.items():
            setattr(record, name, value)
        bump(record, request.now)

    def changed(self, request, context, record):
        """After a create, change or delete of `record` (e.g. a tag changes its journal's version)."""

    def deleting(self, request, record):
        """Before the soft delete of `record` (e.g. a journal's tags go with it)."""

    def page_forms(self, request, context, write, body: dict, tz, etag) -> list | None:
        """The forms a page of this kind's collection or record (`context`) shows for one of its writes
        (pages.forms.Write), or None for the forms made from the write's body schema (entries: a form per
        entry type). hyperdiary/pages/forms.py."""
        return None

    def export_parts(self, request, connection, client_id: str) -> list:
        """(key, value)s of a client's export document besides the kind's records, read on the export's
        snapshot `connection` (entries: the entry schemas in use). hyperdiary/export.py."""
        return []

    def fhir(self, request, bodies, context) -> Iterable[dict]:
        """The FHIR R4 Bundle entries ({"fullUrl", "resource"}) of a client's live records of this kind, from
        their representations (`bodies`, an iterator) and `context` (fhir.Export: the snapshot, the client's
        id, the Patient's reference). None by default: the kind is in the JSON export only. hyperdiary/fhir.py."""
        return ()

    # --- the pipeline -----------------------------------------------------------------------------------

    def type_iri(self, request) -> str:
        return hm.type_iri(request, self.type_name)

    def representations(self, request, collection, rows, own=None) -> list[dict]:
        """The representations of rows of this kind in `collection` (a resource of its collection class), a
        tombstone for each deleted one: the one serializer of the kind, used by every view, page, report
        and export. `own`: the live rows' `represent_many`, when the caller read it for several collections
        at once (the export, for the records below each of a chunk's records)."""
        links = [link for link in self.links
                 if link.permission is None or request.has_permission(link.permission, collection)]
        up = [{"name": self.parent_link, "url": hm.url(request, collection.__parent__)}] if self.parent_link else []
        items = self.render(request, hm.url(request, collection), rows, links, up, own)
        for annotate in self.annotations:
            added = annotate(request, collection, [row for row in rows if row.deleted is None])
            if added:
                for row, body in zip(rows, items):
                    body.update(added.get(row.id, ()))
        return items

    def render(self, request, base_url: str, rows, links=(), up=(), own=None) -> list[dict]:
        """`representations` once the page's URL and links are known (a journal renders its tags so)."""
        deleted = [row.deleted for row in rows]
        if own is None:
            own = self.represent_many(request, base_url, [row for row, gone in zip(rows, deleted) if gone is None])
        fields = iter(own)
        type_iri = self.type_iri(request)
        items = []
        for row, gone in zip(rows, deleted):
            url = f"{base_url}{row.id}/"
            if gone is not None:
                items.append(hm.tombstone(request, url, self.type_of(request, row), row))
                continue
            own = next(fields)
            body = {"@url": url, "@type": own.pop("@type", type_iri),
                    "@links": [{"name": link.name, "url": url + link.path} for link in links],
                    "@changes": hm.changes(row)}
            body["@links"] += up
            if "@links" in own:
                body["@links"] += own.pop("@links")
            body.update(own)
            items.append(body)
        return items

    def representation(self, request, item) -> dict:
        return self.representations(request, item.__parent__, [item.record])[0]

    def checked_body(self, request) -> dict:
        # What other domains annotate each record with (feedback_count) is the server's, like @changes: sent back
        # with a representation it is ignored (docs/decisions.md, care team).
        return writable(json_object(request), self.read_only,
                        ignored=REPRESENTATION_KEYS | self.annotation_fields.keys())

    def create(self, request, context):
        """A POST: one INSERT; with a dedupe key, an identical record (also one racing this) is answered
        instead. (row, created)."""
        return self.insert(request, context, self.values(request, self.checked_body(request)))

    def insert(self, request, context, fields: dict):
        """Store a record of these (checked) fields below `context`'s parent record: (row, created)."""
        values = dict(fields, id=new_id(), created=request.now, modified=request.now, version=1)
        if self.parent_column not in values:  # (a root collection's records name their parent in the body)
            values[self.parent_column] = context.parent_id
        if self.names_client and "client_id" not in values:
            values["client_id"] = context.client_id
        if self.dedupe:
            values["dedupe_key"] = dedupe_key(*(fields.get(name) for name in self.dedupe))
            row, created = insert_unless_exists(request.dbsession, self.model, values,
                                                lambda: self._duplicate(request, values))
        else:
            row, created = insert_new(request.dbsession, self.model, values), True
        if created:
            self.created(request, context, row)
        self.changed(request, context, row)
        return row, created

    def _duplicate(self, request, values):
        bound = {"parent_id": values[self.parent_column], "dedupe_key": values["dedupe_key"]}
        if self.names_client:
            bound["client_id"] = values["client_id"]
        found = plain_rows(request.dbsession.connection(), self.duplicate_select, bound)
        return found[0] if found else None

    @functools.cached_property
    def duplicate_select(self):
        """The record a dedupe key names below a parent: built once, like the listing's statement."""
        return select(self.table).where(*self.below_parent, self.model.dedupe_key == bindparam("dedupe_key"))

    def update(self, request, item, *, replace: bool):
        """A PATCH (or PUT, `replace`): If-Match, the kind's checks, then the change; a change that makes the
        record identical to another of its kind (dedupe) is a 409."""
        record = item.record
        data = self.checked_body(request)
        hm.check_if_match(request, record)
        self.store(request, item, self.values(request, data, record, replace=replace))
        if self.dedupe:
            record.dedupe_key = dedupe_key(*(getattr(record, name) for name in self.dedupe))
            flush_or_conflict(request.dbsession, self.identical)
        self.changed(request, item, record)

    def delete(self, request, item):
        record = item.record
        hm.check_if_match(request, record)
        self.deleting(request, record)
        for deleted in self.on_delete:
            deleted(request, record)
        erased = dict(self.erase)
        if self.dedupe:
            erased["dedupe_key"] = None
        soft_delete(record, request.now, **erased)
        self.changed(request, item, record)


def _class_name(name: str) -> str:
    return "".join(part.capitalize() for part in name.replace("-", "_").split("_"))


def _as_json(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


# --- the views every kind gets -------------------------------------------------------------------------


def list_records(context, request):
    """A page of the live records (the kind's order), or with `modified_after` every change since then."""
    kind = context.kind
    params = query(request, kind.listing())
    stmt = kind.filter(request, context, kind.scope(request, context, params), params)
    rows, next_query = records_page(request, stmt, kind.model, kind.order_column, params,
                                    descending=not kind.ascending, values=kind.parent_values(context))
    items = kind.representations(request, context, rows)
    return hm.collection(request, context, kind.collection_type, items, kind.page_links(request, context),
                         next_query=next_query,
                         view_name=kind.listing_view, **kind.page_extras(request, items))


def create_record(context, request):
    """201 with the new record and its Location; a dedupe hit answers 200 with the existing one."""
    kind = context.kind
    row, created = kind.create(request, context)
    body = kind.representations(request, context, [row])[0]
    hm.written(request, body["@url"], row, created)
    return body


def get_record(context, request):
    hm.set_etag(request, context.record)
    return context.kind.representation(request, context)


def patch_record(context, request):
    """Merges the fields given (null clears one) and revalidates the whole."""
    context.kind.update(request, context, replace=False)
    return get_record(context, request)


def put_record(context, request):
    """Replaces the fields: those left out are cleared."""
    context.kind.update(request, context, replace=True)
    return get_record(context, request)


def delete_record(context, request):
    context.kind.delete(request, context)
    return HTTPNoContent()


def kind_links(request, resource) -> list:
    """The links a resource shows to the collections of the kinds declared below it (and to their views),
    each only for callers who may use it."""
    found = []
    for kind in request.registry.kinds.below(type(resource)):
        collection = resource[kind.collection]
        found += [hm.link(request, name, collection, view, permission=permission)
                  for name, view, permission in kind.parent_links]
    return [link for link in found if link is not None]


# --- the registry and the configuration directive ---------------------------------------------------------


class Kinds(dict):
    """The declared kinds by name, in declaration order, and what each resource class has below it: {(parent
    class, traversal name): child class}, the kinds' collections and the fixed children (`config.add_child`)."""

    def __init__(self):
        super().__init__()
        self.children = {}
        self.extensions = []

    def below(self, parent: type) -> list[Kind]:
        """The kinds whose collections hang right below resources of `parent`'s class."""
        return [kind for kind in self.values() if issubclass(parent, kind.parent)]

    @functools.cached_property
    def grants(self) -> dict[str, tuple]:
        """{"owner": permissions, "professional": permissions} the kinds add to a client's ACL."""
        granted = {}
        for kind in self.values():
            for who in kind.grants:
                granted.setdefault(who, set()).add(kind.write_permission)
        return {who: tuple(sorted(permissions)) for who, permissions in granted.items()}


def add_record_kind(config, kind_class):
    """`config.add_record_kind(SomeKind)`: register the kind and its views."""
    kind = kind_class()
    kinds = config.registry.kinds
    if kind.name in kinds:
        raise ValueError(f"The record kind {kind.name!r} is declared twice.")
    untyped = [field for field in kind.fields if field not in kind.represented and not _typed_column(kind, field)]
    if untyped:  # the OpenAPI document could not say what they hold: said now, at start-up
        raise ValueError(f"The record kind {kind.name!r} represents {', '.join(untyped)}: neither a column of "
                         f"its model with a plain type nor in its `represented`; declare their JSON Schemas there.")
    kinds[kind.name] = kind
    add_child(config, kind.parent, kind.collection, kind.collection_class)
    kinds.__dict__.pop("grants", None)
    # A deployment's schema file may allow longer text than a column holds: the column's length wins (a 400).
    if kind.body:
        body = config.registry["bodies"][kind.body]
        body.limits = column_limits(kind.model, body.properties)
    collection, item = kind.collection_class, kind.item_class
    read, write = kind.view_permission, kind.write_permission
    config.add_view(list_records, context=collection, name=kind.listing_view, request_method="GET", renderer="json",
                    permission=kind.list_permission)
    if kind.creatable:
        config.add_view(create_record, context=collection, request_method="POST", renderer="json",
                        permission=kind.create_permission)
    config.add_view(get_record, context=item, request_method="GET", renderer="json", permission=read)
    if kind.changeable:
        config.add_view(patch_record, context=item, request_method="PATCH", renderer="json", permission=write)
    if kind.put:
        config.add_view(put_record, context=item, request_method="PUT", renderer="json", permission=write)
    if kind.deletable:
        config.add_view(delete_record, context=item, request_method="DELETE", permission=write)
    for extend in kinds.extensions:
        extend(config, kind)
    return kind


def add_kind_extension(config, extend):
    """`config.add_kind_extension(extend)`: `extend(config, kind)` is called for every record kind, those declared
    already and those declared later, so that something declared once (feedback on a client's records) reaches
    every kind it concerns, a deployment's own kinds too. It may declare kinds (config.add_record_kind) and add to
    the kind's `links`, `annotations`, `annotation_fields` and `on_delete`."""
    kinds = config.registry.kinds
    kinds.extensions.append(extend)
    for kind in list(kinds.values()):
        extend(config, kind)


def _typed_column(kind, field: str) -> bool:
    """Is `field` a column of the kind's model whose type says what it holds (not JSON: any shape)?"""
    column = kind.table.c.get(field)
    try:
        return column is not None and column.type.python_type is not None
    except NotImplementedError:
        return False


def add_child(config, parent: type, name: str, child: type):
    """`config.add_child(Root, "clients", Clients)`: below every resource of class `parent`, `name` is a
    `child(resource, name)` (traversal, hyperdiary/lineage.py's plan, export's walk all find it here). How a
    domain hangs its resources into the tree without the core knowing them."""
    children = config.registry.kinds.children
    if children.get((parent, name), child) is not child:
        raise ValueError(f"{parent.__name__} has two children named {name!r}.")
    children[(parent, name)] = child


def includeme(config):
    config.registry.kinds = Kinds()
    config.add_directive("add_record_kind", add_record_kind)
    config.add_directive("add_kind_extension", add_kind_extension)
    config.add_directive("add_child", add_child)
    config.include(".resources.root")

