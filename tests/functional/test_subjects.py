"""Research subjects (RESOURCES.md, "Subjects and subject logs"): the researchers' root links, create,
read, change, If-Match, sharing through `members`, public subjects, and who sees what."""
import pytest

from tests.conftest import create_user, every_item, link, link_names, sign_in


def names(response):
    return [p["name"] for p in response.json["extra"]]


@pytest.fixture
def subjects_url(researcher):
    return researcher.url("subjects")


@pytest.fixture
def subject(researcher, subjects_url):
    return researcher.post(subjects_url, json={"name": "Mouse 1", "description": "C57BL/6, male"}, status=201).json


def listed(api, url):
    return [item["@url"] for item in api.get(url).json["@items"]]


# --- root links and the collection ----------------------------------------------------------------------


def test_researchers_find_subjects_and_subjectlogs_on_the_root(researcher, client, admin, anonymous):
    assert {"subjects", "subjectlogs"} <= link_names(researcher.root())
    for other in (client, admin, anonymous):
        assert not {"subjects", "subjectlogs"} & link_names(other.root())


def test_an_admin_makes_a_researcher_who_can_use_subjects(admin, testapp):
    admin.post(admin.url("users"), json={"username": "rex", "password": "research all day", "email": "rex@example.org",
                                         "role": "researcher"}, status=201)
    rex = sign_in(testapp, "rex", "research all day")
    rex.post(rex.url("subjects"), json={"name": "Rat 7"}, status=201)


def test_the_collections_refuse_everyone_but_researchers(researcher, client, admin, anonymous, subjects_url):
    subjectlogs = researcher.url("subjectlogs")
    for url in (subjects_url, subjectlogs):
        assert client.get(url, status=403).json["code"] == 403
        admin.get(url, status=403)
        assert anonymous.get(url, status=401).headers["WWW-Authenticate"].startswith("Bearer")
    client.post(subjects_url, json={"name": "x"}, status=403)
    anonymous.post(subjects_url, json={"name": "x"}, status=401)


# --- create, read, change -------------------------------------------------------------------------------


def test_create_and_read(researcher, subjects_url):
    response = researcher.post(subjects_url, json={"name": "Mouse 1", "description": "C57BL/6"}, status=201)
    body = response.json
    assert response.location == body["@url"]
    assert body["@type"] == "https://ns.hyperdiary.org/subject"
    assert body["name"] == "Mouse 1" and body["description"] == "C57BL/6" and body["is_public"] is False
    assert len(body["id"]) == 32 and body["@url"].endswith(f"/{body['id']}/")
    assert body["user"] == researcher.me()["@url"]
    assert set(body["@changes"]) == {"creation_time", "modification_time"}
    assert {"logs", "members"} <= link_names(body)
    assert response.headers["ETag"]
    assert researcher.get(body["@url"]).json == body


def test_list_the_caller_s_subjects_by_name_a_page_at_a_time(researcher, colleague, subjects_url):
    for name in ("b", "a", "c", "a"):
        researcher.post(subjects_url, json={"name": name}, status=201)
    colleague.post(subjects_url, json={"name": "theirs", "is_public": True}, status=201)
    assert [item["name"] for item in every_item(researcher, subjects_url + "?limit=3")] == ["a", "a", "b", "c"]
    assert [s["name"] for s in colleague.get(subjects_url).json["@items"]] == ["theirs"]


@pytest.mark.parametrize("body, field", [
    ({}, "name"),
    ({"name": ""}, "name"),
    ({"name": "x" * 256}, "name"),
    ({"name": 7}, "name"),
    ({"name": "x", "is_public": "yes"}, "is_public"),
    ({"name": "x", "colour": "brown"}, "colour"),
])
def test_bad_subjects(researcher, subjects_url, body, field):
    response = researcher.post(subjects_url, json=body, status=400)
    assert names(response) == [field]
    assert researcher.get(subjects_url).json["@items"] == []


def test_bad_bodies(researcher, subjects_url):
    assert names(researcher.post(subjects_url, json=[{"name": "x"}], status=400)) == ["body"]
    response = researcher.testapp.post(subjects_url, "{nope", headers=dict(researcher.headers, **{
        "Content-Type": "application/json"}), status=400)
    assert names(response) == ["body"]
    researcher.post(subjects_url, json={"name": "x", "description": "y" * 1024 * 1024}, status=413)
    assert researcher.get(subjects_url).json["@items"] == []


def test_patch_merges_and_checks(researcher, subject):
    changed = researcher.patch(subject["@url"], json={"description": "now 25 g", "is_public": True}).json
    assert changed["name"] == "Mouse 1" and changed["description"] == "now 25 g" and changed["is_public"] is True
    assert changed["@changes"]["modification_time"] > subject["@changes"]["modification_time"]
    assert names(researcher.patch(subject["@url"], json={"name": None}, status=400)) == ["name"]
    # A representation sent back: its read-only `id` and `user` are a 400 naming each (API.md §8); without
    # them it changes nothing and is no error (the hypermedia keys are ignored).
    assert names(researcher.patch(subject["@url"], json=changed, status=400)) == ["id", "user"]
    sent_back = {key: value for key, value in changed.items() if key not in ("id", "user")}
    assert researcher.patch(subject["@url"], json=sent_back).json["name"] == "Mouse 1"


def test_if_match(researcher, subject):
    response = researcher.get(subject["@url"])
    etag = response.headers["ETag"]
    researcher.get(subject["@url"], headers={"If-None-Match": etag}, status=304)
    updated = researcher.patch(subject["@url"], json={"name": "Mouse 2"}, headers={"If-Match": etag})
    assert updated.headers["ETag"] != etag
    assert researcher.patch(subject["@url"], json={"name": "Mouse 3"}, headers={"If-Match": etag},
                            status=412).json["code"] == 412
    assert researcher.get(subject["@url"]).json["name"] == "Mouse 2"


# --- visibility -------------------------------------------------------------------------------------------


def test_a_private_subject_is_hidden(researcher, colleague, client, anonymous, subject):
    for stranger in (colleague, client):
        assert stranger.get(subject["@url"], status=404).json["code"] == 404
        stranger.patch(subject["@url"], json={"name": "mine"}, status=404)
        stranger.get(link(subject, "logs"), status=404)
        stranger.get(link(subject, "members"), status=404)
    anonymous.get(subject["@url"], status=401)
    # Unknown ids answer alike.
    unknown = subject["@url"].replace(subject["id"], "0" * 32)
    colleague.get(unknown, status=404)
    anonymous.get(unknown, status=401)
    assert researcher.get(subject["@url"]).json["name"] == "Mouse 1"


def test_a_public_subject_is_read_by_anyone_and_written_by_members(researcher, colleague, client, anonymous,
                                                                   subject):
    researcher.patch(subject["@url"], json={"is_public": True})
    for reader in (colleague, client, anonymous):
        body = reader.get(subject["@url"]).json
        assert body["name"] == "Mouse 1"
        assert "members" not in link_names(body) and "logs" in link_names(body)
    assert colleague.patch(subject["@url"], json={"name": "mine"}, status=403).json["code"] == 403
    client.patch(subject["@url"], json={"name": "mine"}, status=403)
    anonymous.patch(subject["@url"], json={"name": "mine"}, status=401)
    colleague.get(link(subject, "members"), status=403)
    # Made private again, it is hidden again.
    researcher.patch(subject["@url"], json={"is_public": False})
    colleague.get(subject["@url"], status=404)


def test_405_only_for_those_who_see_it(researcher, colleague, subject):
    response = researcher.delete(subject["@url"], status=405)
    assert response.headers["Allow"] == "GET, PATCH"
    colleague.delete(subject["@url"], status=404)


# --- members ----------------------------------------------------------------------------------------------


def test_share_with_a_researcher(researcher, colleague, subject, subjects_url):
    members = link(subject, "members")
    (creator,) = researcher.get(members).json["@items"]
    assert creator["user"] == researcher.me()["@url"] and creator["is_creator"] is True
    assert creator["username"] == "rosa"
    response = researcher.post(members, json={"user": colleague.me()["@url"]}, status=201)
    member = response.json
    assert response.location == member["@url"]
    assert member["@type"] == "https://ns.hyperdiary.org/subject-member"
    assert member["username"] == "ron" and member["is_creator"] is False
    # The colleague now reads, writes and lists it, and shares it further.
    assert colleague.get(subject["@url"]).json["name"] == "Mouse 1"
    colleague.patch(subject["@url"], json={"description": "shared"})
    assert [s["@url"] for s in colleague.get(subjects_url).json["@items"]] == [subject["@url"]]
    assert [m["username"] for m in colleague.get(members).json["@items"]] == ["rosa", "ron"]
    assert colleague.get(member["@url"]).json == member


def test_share_by_id_or_username_and_twice(app, researcher, colleague, subject):
    members = link(subject, "members")
    colleague_id = colleague.me()["@url"].rstrip("/").split("/")[-1]
    researcher.post(members, json={"user": colleague_id}, status=201)
    again = researcher.post(members, json={"username": "RON"}, status=200).json
    assert again["username"] == "ron"
    assert len(researcher.get(members).json["@items"]) == 2


@pytest.mark.parametrize("body, field", [
    ({}, "user"),
    ({"user": "http://example.com/users/nobody/"}, "user"),
    ({"user": "0" * 32}, "user"),
    ({"username": "nobody"}, "username"),
    ({"username": "carol"}, "username"),  # a client: only researchers are members
    ({"user": "x", "username": "ron"}, "user"),
    ({"user": 7}, "user"),
    ({"member": "ron"}, "member"),
])
def test_bad_members(researcher, colleague, client, subject, body, field):
    members = link(subject, "members")
    assert names(researcher.post(members, json=body, status=400)) == [field]
    assert len(researcher.get(members).json["@items"]) == 1


def test_only_members_share(researcher, colleague, client, subject):
    members = link(subject, "members")
    colleague.post(members, json={"username": "ron"}, status=404)
    researcher.patch(subject["@url"], json={"is_public": True})
    colleague.post(members, json={"username": "ron"}, status=403)
    assert len(researcher.get(members).json["@items"]) == 1


def test_end_a_membership(researcher, colleague, subject):
    members = link(subject, "members")
    member = researcher.post(members, json={"username": "ron"}, status=201).json
    creator = researcher.get(members).json["@items"][0]
    # The creator stays.
    assert colleague.delete(creator["@url"], status=409).json["code"] == 409
    researcher.delete(creator["@url"], status=409)
    colleague.delete(member["@url"], status=204)
    colleague.get(subject["@url"], status=404)
    researcher.get(member["@url"], status=404)
    researcher.delete(member["@url"], status=404)


def test_members_page(app, researcher, subject):
    members = link(subject, "members")
    for name in ("ann", "bob", "cy"):
        create_user(app, name, "researcher")
        researcher.post(members, json={"username": name}, status=201)
    assert [m["username"] for m in every_item(researcher, members + "?limit=2")] == ["rosa", "ann", "bob", "cy"]


def test_member_errors_do_not_tell_who_exists_or_their_role(researcher, client, admin, subject, testapp):
    """A username nobody has and a client's, an unknown user @url and a client's or an admin's: the same 400,
    byte for byte (so a researcher cannot probe for usernames and roles)."""
    members = link(subject, "members")
    by_name = [researcher.post(members, json={"username": name}, status=400).body
               for name in ("nobody-at-all", "carol", "admin")]
    assert by_name[0] == by_name[1] == by_name[2]
    unknown = "http://example.com/users/" + "0" * 32 + "/"
    by_url = [researcher.post(members, json={"user": url}, status=400).body
              for url in (unknown, client.me()["@url"], admin.me()["@url"])]
    assert by_url[0] == by_url[1] == by_url[2]
    assert len(researcher.get(members).json["@items"]) == 1
