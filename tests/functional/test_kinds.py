"""The contract every record kind keeps, run over every kind in the registry, and over a kind declared only
in the test suite (tests/kinds/hydration/): a declaration alone gets all of it. The kinds are the registry's,
found at collection (`registered_kinds`): no list of them here.

A kind is reached the way an API client reaches it: by link names, from the signed-in client's resource
(its `parent_links`), through a record of its parent kind when it hangs below one."""
import pathlib
import shutil
import tempfile

import pytest
import sqlalchemy as sa
import webtest

from pyramid.paster import get_appsettings

from hyperdiary import DEFAULTS, distribution, main
from hyperdiary.erasure import metadatas
from hyperdiary.kinds import Item
from hyperdiary.accounts.models import User
from hyperdiary.models import dispose
from hyperdiary.clients.resources import ClientResource
from hyperdiary.resources.root import Root
from tests.conftest import PASSWORD, Api, create_user, empty_tables, link, link_names, sent_statements, sign_in
from tests.distribution import unnamed as check
from tests.kinds import hydration


def with_test_kind(settings: dict, folder: pathlib.Path) -> dict:
    """The settings of an app with the test-only kind included (`hyperdiary.includes`), its schema file in a
    copy of the schemas folder made in `folder`."""
    schemas = folder / "schemas"
    shutil.copytree(settings["hyperdiary.schemas_dir"], schemas)
    shutil.copy(hydration.SCHEMA, schemas / "hydration.json")
    return dict(settings, **{"hyperdiary.schemas_dir": str(schemas), "hyperdiary.includes": "tests.kinds.hydration"})


def registered_kinds() -> list[str]:
    """The names of the kinds in the registry of the app the suite tests (the test kind included): the
    parameters of the contract suite, read at collection from an app of its own (its SQLite file is never
    opened: nothing is read or written)."""
    ini = pathlib.Path(__file__).resolve().parents[2] / "testing.ini"
    with tempfile.TemporaryDirectory() as folder:
        # The app's defaults first (testing.ini names no schemas folder: the shipped one).
        settings = dict(DEFAULTS, **get_appsettings(str(ini)))
        settings["sqlalchemy.url"] = f"sqlite:///{folder}/unused.sqlite"
        app = main({}, **with_test_kind(settings, pathlib.Path(folder)))
        try:
            return list(app.registry.kinds)
        finally:
            dispose(app.registry)


@pytest.fixture(scope="session")
def kinds_app(app_settings, tmp_path_factory):
    """The app with the test-only kind included, and its table made as its migration would."""
    app = main({}, **with_test_kind(app_settings, tmp_path_factory.mktemp("kinds")))
    engine = app.registry["dbengine"]
    hydration.create_table(engine)
    yield app
    hydration.drop_table(engine)
    dispose(app.registry)


# Kinds whose records no API call makes: deliveries are written by `hyperdiary deliver` alone, and
# tests/functional/test_reminders.py drives them through the worker (listing, export, erasure, no PATCH).
WORKER_WRITTEN = ["reminder-delivery"]
KINDS = [name for name in registered_kinds() if name not in WORKER_WRITTEN]


def test_every_kind_is_in_the_contract_suite(kinds_app):
    """The suite's parameters are the kinds of the app it tests, the shipped ones and the test kind among them."""
    assert KINDS + WORKER_WRITTEN == [name for name in kinds_app.registry.kinds if name in KINDS] + WORKER_WRITTEN
    assert set(KINDS + WORKER_WRITTEN) == set(kinds_app.registry.kinds)
    assert {"entry", "journal", "tag", "goal", "goal-tracking", "mood", "subjectlog", "hydration",
            "push-subscription"} <= set(KINDS)


@pytest.fixture
def api(kinds_app):
    testapp = webtest.TestApp(kinds_app, extra_environ={"HTTP_HOST": "example.com"})
    yield testapp
    with kinds_app.registry["dbengine"].begin() as conn:
        conn.execute(hydration.Hydration.__table__.delete())
    empty_tables(kinds_app.registry["dbengine"])


def readable_by_followers(kind) -> bool:
    """Whether the professionals of the caseload read the kind's records (push subscriptions, relatives: the client
    alone; messages and feedback: by a permission of their own, granted to the professionals)."""
    return kind.view_permission == "resource:view" or "professional" in kind.grants


def research(kind) -> bool:
    """A research kind: its collection is on the root, for researchers; its records' subject decides."""
    return kind.parent is Root


def user(app, api, kind, username):
    """A client who registered (a researcher, for a research kind), signed in."""
    if research(kind):
        create_user(app, username, "researcher")
    else:
        anonymous = Api(api)
        anonymous.post(anonymous.url("auth.register"), json={
            "username": username, "email": f"{username}@example.org", "password": PASSWORD}, status=201)
    return sign_in(api, username)


@pytest.fixture
def owner(kinds_app, api, kind):
    """Who keeps the records."""
    return user(kinds_app, api, kind, "olive")


@pytest.fixture
def stranger(kinds_app, api, kind):
    """Another user of the owner's role, with no access to the owner's records."""
    return user(kinds_app, api, kind, "sam")


@pytest.fixture
def follower(kinds_app, api, owner, kind):
    """Who may read the owner's records besides the owner: a professional with the owner in their caseload;
    for a research kind, a researcher the subject is shared with (who writes it too)."""
    create_user(kinds_app, "pat", "researcher" if research(kind) else "professional")
    pat = sign_in(api, "pat")
    if not research(kind):
        create_user(kinds_app, "admin", "admin")
        admin = sign_in(api, "admin")
        admin.post(link(pat.me(), "caseload"), json={"client": owner.client()["@url"]}, status=201)
    return pat


def parent_kind(app, kind):
    return next((other for other in app.registry.kinds.values() if issubclass(kind.parent, other.item_class)), None)


def example(api, app, kind, n=0):
    """A valid create body of `kind`, the n-th of a series of distinct ones: the declared example with its
    first date-time shifted by n minutes (or, with none, its first string suffixed) and references made."""
    body = dict(kind.example)
    if kind.name == "tag":  # a reference to a record outside the client: a tag type, made by an admin
        body["tagtype"] = tagtype(api, app)
    if kind.name == "subjectlog":  # the subject it is about: the owner's, shared with the follower
        body["subject"] = subject(api)
    if kind.name == "push-subscription":  # a subscription is its endpoint: one of its own per n
        return dict(body, endpoint=f"{body['endpoint']}/{n}")
    for name, value in body.items():
        if isinstance(value, str) and value.endswith("Z") and "T" in value:
            body[name] = f"{value[:11]}{9 + n // 60:02d}:{n % 60:02d}:00Z"
            break
    else:
        if "can_see" not in body:  # (a relative's body has nothing to number: it dedupes nothing either)
            key = "text" if "text" in body else "description"
            body[key] = f"{body.get(key, '')} {n}"
    return body


def tagtype(api, app):
    """The @url of a tag type (a tag refers to one), made by an admin the first time a test asks."""
    with app.registry["dbengine"].connect() as conn:
        known = conn.execute(sa.select(User.id).where(User.username == "tagger")).first()
    if known is None:
        create_user(app, "tagger", "admin")
    admin = sign_in(api, "tagger")
    tagtypes = admin.url("tagtypes")
    existing = admin.get(tagtypes).json["@items"]
    if existing:
        return existing[0]["@url"]
    return admin.post(tagtypes, json={"name": "trigger"}, status=201).json["@url"]


def parent_body(caller, app, kind, owner):
    """The representation of the resource the kind's collection hangs below, found by links from the owner's
    client resource: the client, a fixed resource below it (the diary), or a new record of the parent kind;
    for a research kind, the root."""
    if research(kind):
        return caller.root()
    client = caller.get(owner.client()["@url"]).json
    if kind.parent is ClientResource:
        return client
    parent = parent_kind(app, kind)
    if parent is None:
        name = next(name for (parent, name), cls in app.registry.kinds.children.items()
                    if parent is ClientResource and cls is kind.parent)
        return caller.get(link(client, name)).json
    record = owner.post(collection_url(owner, app, parent), json=example(caller.testapp, app, parent), status=201)
    return caller.get(record.json["@url"]).json


def urls(caller, app, kind, owner=None):
    """(the collection's URL, its listing's URL) for `caller`, by the link names the kind declares."""
    body = parent_body(caller, app, kind, owner or caller)
    names = {view: name for name, view, _ in kind.parent_links}
    if kind.parent_links:
        return link(body, names[""]), link(body, names[kind.listing_view])
    assert kind.collection in link_names(body), f"no link to its {kind.collection} on its parent"
    return link(body, kind.collection), link(body, kind.collection)


def subject(api):
    """The @url of the owner's (a researcher's) private subject, made the first time a test asks, with the
    follower (when there is one) among its members."""
    olive = sign_in(api, "olive")
    mine = olive.get(olive.url("subjects")).json["@items"]
    if mine:
        return mine[0]["@url"]
    made_ = olive.post(olive.url("subjects"), json={"name": "Mouse 1"}, status=201).json
    if _user_exists(api, "pat"):
        olive.post(link(made_, "members"), json={"username": "pat"}, status=201)
    return made_["@url"]


def _user_exists(api, username) -> bool:
    with api.app.registry["dbengine"].connect() as conn:
        return conn.execute(sa.select(User.id).where(User.username == username)).first() is not None


def collection_url(caller, app, kind, owner=None):
    return urls(caller, app, kind, owner)[0]


# Kinds the suite cannot drive yet, because their owner does not write them: a client's questionnaire
# assignments are written by its professionals; its attention items come from its entries, and only its
# professionals read and change them. tests/functional/test_questionnaires.py covers both (create, PATCH,
# delete, bad bodies, 403 for the client, 404 for strangers), test_export.py their export, FHIR and
# test_erasure.py their erasure with the client; the suite itself does not run on them (issue 22, left open).
NOT_OWNER_WRITTEN = ("questionnaire", "attention")


@pytest.fixture(params=[name for name in KINDS if name not in NOT_OWNER_WRITTEN])
def kind(request, kinds_app):
    return kinds_app.registry.kinds[request.param]


def made(owner, app, kind, url, listing, n=0):
    """A record of the kind, as its creator got it (the response): POSTed, or for a kind whose records are
    generated (a goal's tracking items) the n-th of those its parent record got."""
    if kind.creatable:
        response = owner.post(url, json=example(owner.testapp, app, kind, n), status=201)
        return ShownOnce(response) if kind.name == "relative" else response
    return owner.get(owner.get(listing).json["@items"][n]["@url"])


class ShownOnce:
    """A new relative's answer as its representation reads afterwards: its invitation's code is shown once, to
    the POST that made it (only its hash is kept)."""

    def __init__(self, response):
        self.headers, self.location = response.headers, response.location
        self.json = dict(response.json, invitation=None)
        assert response.json["invitation"]


def test_create_get_and_the_representation(kinds_app, api, owner, kind):
    url, listing = urls(owner, kinds_app, kind)
    response = made(owner, kinds_app, kind, url, listing)
    body = response.json
    if kind.creatable:
        assert response.location == body["@url"]
    else:
        owner.post(url, json={}, status=405)
    assert body["@url"].startswith(url) and response.headers["ETag"]
    # A kind's @type is its IRI in the namespace; an entry's is the $id of its schema.
    assert body["@type"] == (kind.example or {}).get("@type", f"https://ns.hyperdiary.org/{kind.type_name}")
    assert set(body["@changes"]) == {"creation_time", "modification_time"}
    assert {name for name in body if not name.startswith("@")} >= set(kind.fields)
    fetched = owner.get(body["@url"])
    assert fetched.json == body and fetched.headers["ETag"] == response.headers["ETag"]
    listed = owner.get(listing).json["@items"]
    assert body in listed and (len(listed) == 1 or not kind.creatable)


def test_dedupe(kinds_app, api, owner, kind):
    """A kind with a dedupe key answers an identical POST with the record it has; one without stores both."""
    url, listing = urls(owner, kinds_app, kind)
    if not kind.creatable:
        owner.post(url, json={}, status=405)
        return
    sent = example(api, kinds_app, kind)
    first = owner.post(url, json=sent, status=201).json
    if not kind.dedupe:
        assert owner.post(url, json=sent, status=201).json["@url"] != first["@url"]
        assert len(owner.get(listing).json["@items"]) == 2
        return
    again = owner.post(url, json=sent, status=200)
    assert again.json["@url"] == first["@url"] == again.location
    assert len(owner.get(listing).json["@items"]) == 1


def test_dedupe_is_per_client(kinds_app, api, owner, stranger, kind):
    """Another client posting the very body the owner posted gets a record of its own (201), not the owner's
    answer nor a 409: a dedupe key is unique per client (clients.models.ClientOwned), not across clients."""
    if research(kind):
        pytest.skip("a research kind's records are no client's: its records dedupe per subject, each researcher's own")
    if not kind.creatable:
        pytest.skip("its records are generated, never posted")
    sent = example(api, kinds_app, kind)
    mine = owner.post(urls(owner, kinds_app, kind)[0], json=sent, status=201).json
    url, listing = urls(stranger, kinds_app, kind)
    theirs = stranger.post(url, json=sent, status=201).json
    assert theirs["@url"] != mine["@url"] and theirs["@url"].startswith(stranger.client()["@url"])
    assert [item["@url"] for item in stranger.get(listing).json["@items"]] == [theirs["@url"]]
    assert stranger.post(url, json=sent, status=200 if kind.dedupe else 201)


def test_paging_yields_each_once_while_others_write(kinds_app, api, owner, kind):
    """Following `next` yields every record once while another writer adds records (or, for generated
    records, changes them) between pages."""
    url, listing = urls(owner, kinds_app, kind)
    if kind.creatable:
        expected = {made(owner, kinds_app, kind, url, listing, n).json["@url"] for n in range(5)}
    else:
        expected = {item["@url"] for item in owner.get(listing).json["@items"]}
        assert len(expected) > 2
    seen = []
    page = owner.get(listing, params={"limit": 2}).json
    n = 5
    while True:
        seen += [item["@url"] for item in page["@items"]]
        if kind.creatable:
            owner.post(url, json=example(api, kinds_app, kind, n), status=201)
        else:
            owner.patch(page["@items"][0]["@url"], json=kind.change, status=200)
        n += 1
        following = [entry["url"] for entry in page["@links"] if entry["name"] == "next"]
        if not following:
            break
        page = owner.get(following[0]).json
    assert len(seen) == len(set(seen)) and expected <= set(seen)


def test_sync_reports_changes_and_tombstones(kinds_app, api, owner, kind):
    url, listing = urls(owner, kinds_app, kind)
    kept = made(owner, kinds_app, kind, url, listing, 0).json
    gone = made(owner, kinds_app, kind, url, listing, 1).json
    if not kind.deletable:
        owner.delete(gone["@url"], status=405)
        changed = owner.patch(gone["@url"], json=kind.change, status=200).json
        later = owner.get(listing, params={"modified_after": gone["@changes"]["modification_time"]}).json["@items"]
        assert later == [changed]
        return
    since = kept["@changes"]["creation_time"]
    owner.delete(gone["@url"], status=204)
    items = owner.get(listing, params={"modified_after": "2000-01-01T00:00:00Z"}).json["@items"]
    by_url = {item["@url"]: item for item in items}
    assert by_url[gone["@url"]] == {"@url": gone["@url"], "@type": gone["@type"], "@deleted": True,
                                    "@changes": by_url[gone["@url"]]["@changes"]}
    assert by_url[kept["@url"]] == kept
    later = owner.get(listing, params={"modified_after": since}).json["@items"]
    assert gone["@url"] in {item["@url"] for item in later}


def test_patch_put_and_conditions(kinds_app, api, owner, kind):
    url, listing = urls(owner, kinds_app, kind)
    created = made(owner, kinds_app, kind, url, listing)
    record, etag = created.json, created.headers["ETag"]
    owner.get(record["@url"], headers={"If-None-Match": etag}, status=304)
    changed = owner.patch(record["@url"], json=kind.change, headers={"If-Match": etag}, status=200)
    assert changed.headers["ETag"] != etag
    assert all(changed.json[name] == value for name, value in kind.change.items())
    assert changed.json["@changes"]["modification_time"] > record["@changes"]["modification_time"]
    owner.patch(record["@url"], json=kind.change, headers={"If-Match": etag}, status=412)
    if kind.put:
        owner.put(record["@url"], json=example(api, kinds_app, kind, 7), headers={"If-Match": etag}, status=412)
        replaced = owner.put(record["@url"], json=example(api, kinds_app, kind, 7), status=200)
        assert replaced.json["@url"] == record["@url"]
        current = replaced.headers["ETag"]
    else:
        response = owner.put(record["@url"], json={}, status=405)
        assert "PUT" not in response.headers["Allow"]
        current = changed.headers["ETag"]
    if not kind.deletable:
        owner.delete(record["@url"], status=405)
        return
    owner.delete(record["@url"], headers={"If-Match": etag}, status=412)
    owner.delete(record["@url"], headers={"If-Match": current}, status=204)
    owner.get(record["@url"], status=404)
    owner.delete(record["@url"], status=404)


def test_bad_bodies_store_nothing(kinds_app, api, owner, kind):
    url, listing = urls(owner, kinds_app, kind)
    if kind.creatable:
        for bad in ({}, {"no such field": 1, **example(api, kinds_app, kind)}, [example(api, kinds_app, kind)]):
            response = owner.post(url, json=bad, status=400).json
            assert response["code"] == 400 and response["extra"]
    before = owner.get(listing).json["@items"]
    record = made(owner, kinds_app, kind, url, listing).json
    for bad in ({"no such field": 1}, [kind.change], "text"):
        owner.patch(record["@url"], json=bad, status=400)
    assert owner.get(record["@url"]).json == record
    after = owner.get(listing).json["@items"]
    assert after == ([record] if kind.creatable else before)


def test_hidden_from_strangers_and_read_only_for_followers(kinds_app, api, owner, stranger, follower, kind):
    url, listing = urls(owner, kinds_app, kind)
    record = made(owner, kinds_app, kind, url, listing).json
    # A research kind's collection is every researcher's (their own records); the record is hidden.
    for target in (record["@url"],) if research(kind) else (url, listing, record["@url"]):
        stranger.get(target, status=404)
        stranger.post(target, json={}, status=404 if target == record["@url"] or not research(kind) else 400)
    if research(kind):
        assert record["@url"] not in {item["@url"] for item in stranger.get(listing).json["@items"]}
    stranger.patch(record["@url"], json=kind.change, status=404)
    stranger.delete(record["@url"], status=404)
    if not readable_by_followers(kind):  # the client's alone: to the professional as if it did not exist
        for target in (url, listing, record["@url"]):
            follower.get(target, status=404)
        follower.patch(record["@url"], json=kind.change, status=404)
        parent = next((name for (_, name), cls in kinds_app.registry.kinds.children.items() if cls is kind.parent),
                      kind.collection)  # (a kind right below the client: its own link)
        assert parent not in link_names(follower.get(owner.client()["@url"]).json)
        return
    # The professional of the caseload reads what the client keeps (a member, what a subject keeps): the
    # same record, with the links of what they may do.
    theirs = follower.get(record["@url"]).json
    per_caller = {"@links", "read"}  # (a message is read by its author, not yet by the other side)
    assert {k: v for k, v in theirs.items() if k not in per_caller} == {k: v for k, v in record.items()
                                                                         if k not in per_caller}
    assert {link_["name"] for link_ in theirs["@links"]} <= {link_["name"] for link_ in record["@links"]}
    if "professional" not in kind.grants and not research(kind):
        if kind.creatable:
            follower.post(url, json=example(api, kinds_app, kind, 3), status=403)
        follower.patch(record["@url"], json=kind.change, status=403)
        if kind.deletable:
            follower.delete(record["@url"], status=403)
    # The parent's links are there for callers who may use them, and only for them.
    if kind.parent_links and parent_kind(kinds_app, kind) is None:
        mine = link_names(parent_body(owner, kinds_app, kind, owner))
        theirs = link_names(parent_body(follower, kinds_app, kind, owner))
        for name, view, permission in kind.parent_links:
            assert name in mine
            assert (name in theirs) == (permission == "resource:view" or "professional" in kind.grants), name


def test_method_not_allowed_on_the_collection(kinds_app, api, owner, kind):
    url, listing = urls(owner, kinds_app, kind)
    response = owner.put(url, json={}, status=405)
    allowed = set(response.headers["Allow"].replace(" ", "").split(","))
    assert ("POST" in allowed) == kind.creatable and ("GET" in allowed) == (listing == url)


@pytest.mark.parametrize("kind", ["hydration"], indirect=True)
def test_column_lengths_hold_whatever_the_schema_file_says(kinds_app, api, owner, kind):
    """hydration.json allows a note of 500 characters; its column holds 200: a 400, not a database error."""
    url, listing = urls(owner, kinds_app, kind)
    body = dict(example(api, kinds_app, kind), note="x" * 201)
    assert owner.post(url, json=body, status=400).json["extra"] == [{"name": "note",
                                                                     "message": "At most 200 characters."}]


def test_items_are_generic_resources(kinds_app):
    assert all(issubclass(kind.item_class, Item) for kind in kinds_app.registry.kinds.values())


@pytest.fixture
def statements(kinds_app):
    """The SQL statements the app sends while a test runs (conftest.sent_statements)."""
    with sent_statements(kinds_app) as sent:
        yield sent


# What a kind's representations read besides the lineage statement and the page's own query, by kind: a tag
# shows its type's name; a subject log shows its entries (its subject, which decides who may see it, and the
# caller's membership come with the lineage when one log is asked for; a page's subjects in one query more,
# and the caller's membership of each).
# A message and a remark show their author's name (a message: and whether the caller read it, in the same query).
FEEDBACK_KINDS = {"entry-feedback", "journal-feedback", "goal-feedback", "mood-feedback", "hydration-feedback"}
REPRESENTATION_READS = {"tag": 1, "subjectlog": 1, "message": 1, **dict.fromkeys(FEEDBACK_KINDS, 1)}
LISTING_READS = {"tag": 1, "subjectlog": 3, "message": 1, **dict.fromkeys(FEEDBACK_KINDS, 1)}
WRITE_READS = {"tag", "subjectlog", "message", *FEEDBACK_KINDS}
# An entry's write asks which questionnaire assignments it answers (hyperdiary/questionnaires) only of a client
# that has any, which the lineage reads with the client (ClientResource.facts): none here.
CREATE_READS = {}


def test_the_caller_and_the_path_are_read_in_one_statement(kinds_app, api, owner, follower, kind, statements):
    """The caller's token and the records the path names are read in one statement (hyperdiary/lineage.py):
    GET one record is that statement alone (plus what its kind's representation joins), a page adds its own
    query, a create its INSERT and the audit trail's event; none of them reads the token or a record of the
    path a second time."""
    url, listing = urls(owner, kinds_app, kind)
    record_url = made(owner, kinds_app, kind, url, listing).json["@url"]
    body = example(api, kinds_app, kind, 7) if kind.creatable else None
    # A professional's caseload is read with the rest (ClientResource.caller_facts); the care team's kinds the
    # professionals read by a permission of their own (messages, feedback), a relative not at all.
    for reader in (owner, follower) if readable_by_followers(kind) else (owner,):
        statements.clear()
        reader.get(record_url)
        # (a professional's read is audited: an event written apart from the read, hyperdiary/audit.py)
        reads = [statement for statement in statements if "INSERT INTO audit_events" not in statement]
        assert len(reads) == 1 + REPRESENTATION_READS.get(kind.name, 0), statements
        read_once(reads)
    if research(kind):  # the log's subject: the caller's membership comes with it (SubjectResource.caller_facts)
        subject_url = link(owner.get(record_url).json, "subject")
        statements.clear()
        owner.get(subject_url)
        assert len(statements) == 1, statements
    statements.clear()
    owner.get(listing)
    assert len(statements) == 2 + LISTING_READS.get(kind.name, 0), statements
    read_once(statements)
    if kind.creatable:
        statements.clear()
        owner.post(url, json=body, status=201)
        # the lineage, the INSERT, the audit event (a goal's tracking items are one more INSERT); a kind below
        # another record locks that record first, and a tag or a log checks what it refers to
        reads = [statement for statement in statements if not statement.lstrip().upper().startswith("INSERT")]
        assert len(reads) == 1 + CREATE_READS.get(kind.name, 0) or kind.name in WRITE_READS, statements
        read_once(statements)


def read_once(statements):
    """No statement after the first reads the caller's token again."""
    assert "tokens" in statements[0]
    assert not any("tokens" in statement for statement in statements[1:]), statements


def test_a_listing_composes_its_statement_once(kinds_app, api, owner, kind, monkeypatch):
    """A kind's listing, page and sync alike, runs statements built at the first request (paging._derived:
    composing and keying a statement costs more than running it); later requests only bind their values.
    Statements composed for one request (a filter's) are not kept."""
    from hyperdiary import paging

    url, listing = urls(owner, kinds_app, kind)
    made(owner, kinds_app, kind, url, listing)
    composed = []
    original = paging._paged
    monkeypatch.setattr(paging, "_paged", lambda *args: composed.append(args) or original(*args))
    synced = {"modified_after": "2000-01-01T00:00:00Z", "limit": 1}


    def listings():
        assert owner.get(listing).json["@items"]
        following = [entry["url"] for entry in owner.get(listing, params=synced).json["@links"]
                     if entry["name"] == "next"]
        if following:
            owner.get(following[0])

    listings()  # may compose (unless another test ran these listings already)
    composed.clear()
    listings()
    if not research(kind):  # (a research kind's scope is the caller's subjects: composed for each request)
        assert composed == [], "a listing composed its statement again"
    if kind.name == "journal":  # a filtered listing composes a statement of its own, for its request
        kept = len(paging._KEPT)
        for n in range(5):
            owner.get(listing, params={"session": f"evening {n}"})
        assert len(paging._KEPT) == kept


def test_every_statement_names_the_client(kinds_app, api, owner, follower, kind, statements):
    """Every statement a kind's GET one, page, sync, POST, PATCH and DELETE send names the client on each table of
    a client's data it touches (hyperdiary/distribution.py, tests/distribution.py), the lineage's included: so a
    coordinator of a database distributed by client sends each to the one node holding that client."""
    tables = [*metadatas(kinds_app.registry)[0].sorted_tables, hydration.Hydration.__table__]
    columns = {table.name: distribution.distribution_column(table) for table in distribution.distributed(tables)}
    url, listing = urls(owner, kinds_app, kind)
    statements.clear()
    record = made(owner, kinds_app, kind, url, listing).json
    readers = (owner, follower) if readable_by_followers(kind) else (owner,)
    for reader in readers:
        reader.get(record["@url"])
        reader.get(listing)
        reader.get(listing, params={"modified_after": "2000-01-01T00:00:00Z", "limit": 1})
    owner.patch(record["@url"], json=kind.change, status=200)
    if kind.deletable:
        owner.delete(record["@url"], status=204)
    lacking = [f"{found}: {' '.join(statement.split())}" for statement in statements
               if (found := check(statement, columns))]
    assert not lacking, "\n".join(lacking)
