"""Accounts and authentication (API.md §3): links, registration, tokens, profiles, users, caseloads."""
import pytest
import transaction
import webtest

from hyperdiary import main
from hyperdiary.accounts.models import Token
from hyperdiary.models import dispose
from hyperdiary.models.meta import utcnow

from tests.conftest import PASSWORD, Api, link, link_names, sent_statements, sign_in

ANONYMOUS_LINKS = {"auth.register", "auth.token", "auth.refresh", "auth.logout", "schemas", "openapi"}


def register(anonymous, status=201, **fields):
    body = {"username": "dana", "email": "dana@example.org", "password": PASSWORD}
    body.update(fields)
    return anonymous.post(anonymous.url("auth.register"), json=body, status=status)


# --- root links by role ----------------------------------------------------------------------------


def test_root_links_anonymous(anonymous):
    body = anonymous.root()
    assert ANONYMOUS_LINKS <= link_names(body)
    assert not {"me", "clients", "users"} & link_names(body)
    assert body["@url"] == "http://example.com/"
    assert body["@type"] == "https://ns.hyperdiary.org/root"


def test_root_links_client(client):
    names = link_names(client.root())
    assert ANONYMOUS_LINKS | {"me"} <= names
    assert not {"clients", "users"} & names


def test_root_links_professional(professional):
    names = link_names(professional.root())
    assert {"me", "clients"} <= names and "users" not in names


def test_root_links_admin(admin):
    assert {"me", "clients", "users"} <= link_names(admin.root())


def test_urls_follow_the_request_host(testapp):
    body = testapp.get("/", extra_environ={"HTTP_HOST": "diary.example.net:8443", "wsgi.url_scheme": "https",
                                           "SCRIPT_NAME": "/api"}).json
    assert body["@url"] == "https://diary.example.net:8443/api/"
    assert link(body, "schemas").startswith("https://diary.example.net:8443/api/schemas")


# --- registration ----------------------------------------------------------------------------------


def test_register_makes_a_client(anonymous, testapp):
    response = register(anonymous, first_name="Dana", last_name="Doe")
    body = response.json
    assert response.location == body["@url"]
    assert body["username"] == "dana" and body["role"] == "client"
    assert "password" not in body and "password_hash" not in body
    dana = sign_in(testapp, "dana")
    client = dana.client()
    assert client["name"] == "Dana Doe" and client["time_zone"] == "UTC"


def test_register_duplicate_username(anonymous):
    register(anonymous)
    body = register(anonymous, status=400, username="DANA").json
    assert body["code"] == 400
    assert [p["name"] for p in body["extra"]] == ["username"]


# The weak passwords that the old rules let through; and the user's own email, weak only because
# zxcvbn counts the user's words (username, email, names) as guessable (API.md §8).
@pytest.mark.parametrize("password", ["short", "password123", "aaaaaaaaaaaa", "Password2024", "password!", "qwertyui",
                                      "abcdefgh", "123456789012", "dana@example.org"])
def test_register_weak_password(anonymous, password):
    body = register(anonymous, status=400, password=password).json
    assert [p["name"] for p in body["extra"]] == ["password"]
    assert body["extra"][0]["message"].startswith(("Password is too easy to guess: ", "Password must have at least"))


def test_own_words_make_a_password_weak(anonymous):
    register(anonymous, status=201, username="erin", email="erin@example.org", password="dana@example.org")


def test_register_missing_fields(anonymous):
    body = anonymous.post(anonymous.url("auth.register"), json={"username": "x"}, status=400).json
    assert {p["name"] for p in body["extra"]} == {"username", "email", "password"}


def test_register_with_the_longest_names(anonymous, testapp):
    """First and last name of 150 characters each make a client name of 301, one more than its column
    holds (a 500 on PostgreSQL): the client's name is cut to 300."""
    register(anonymous, first_name="F" * 150, last_name="L" * 150)
    dana = sign_in(testapp, "dana")
    assert dana.client()["name"] == "F" * 150 + " " + "L" * 149


def test_register_wrong_types(anonymous):
    body = register(anonymous, status=400, username=42, email="not-an-email").json
    assert {p["name"] for p in body["extra"]} == {"username", "email"}


def test_register_stores_nothing_on_error(anonymous, testapp):
    register(anonymous, status=400, email="nope")
    # Longer than the column's 254 characters: PostgreSQL refused it with a 500, SQLite stored it.
    response = register(anonymous, status=400, email="d" * 250 + "@example.org")
    assert [p["name"] for p in response.json["extra"]] == ["email"]
    anonymous.post(anonymous.url("auth.token"), json={"username": "dana", "password": PASSWORD}, status=401)


# --- tokens ----------------------------------------------------------------------------------------


def test_token_answer(client, testapp):
    anonymous = Api(testapp)
    body = anonymous.post(anonymous.url("auth.token"), json={"username": "Carol", "password": PASSWORD}).json
    assert set(body) == {"access", "refresh", "expires_in", "user"}
    assert body["expires_in"] == 3600
    assert body["user"]["username"] == "carol"
    assert "client" in link_names(body["user"])


def test_bad_credentials_answer_alike(client, anonymous):
    url = anonymous.url("auth.token")
    wrong_password = anonymous.post(url, json={"username": "carol", "password": "wrong password"}, status=401)
    unknown_user = anonymous.post(url, json={"username": "nobody", "password": "wrong password"}, status=401)
    assert wrong_password.json == unknown_user.json
    assert wrong_password.json["code"] == 401
    assert wrong_password.headers["WWW-Authenticate"].startswith("Bearer")


def test_md_token_scheme(client, testapp):
    body = testapp.get("/", headers={"Authorization": f"md-token {client.access}"}).json
    assert "me" in link_names(body)


def test_signed_out_caller_gets_401(client, anonymous, testapp):
    me_url = client.url("me")
    response = anonymous.get(me_url, status=401)
    assert response.json["code"] == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    testapp.get(me_url, headers={"Authorization": "Bearer not-a-token"}, status=401)
    testapp.get(me_url, headers={"Authorization": "Basic Y2Fyb2w6eA=="}, status=401)


def test_expired_access_token(app, client, testapp):
    me_url = client.url("me")
    with transaction.manager:
        dbsession = app.registry["dbsession_factory"]()
        dbsession.query(Token).update({"expires": utcnow()})
    client.get(me_url, status=401)


def test_refresh_rotates(client, testapp):
    anonymous = Api(testapp)
    url = anonymous.url("auth.refresh")
    body = anonymous.post(url, json={"refresh": client.refresh}).json
    assert set(body) == {"access", "refresh", "expires_in"}
    assert body["refresh"] != client.refresh
    # The new access token works; the old refresh token is retired.
    Api(testapp, body["access"]).me()
    anonymous.post(url, json={"refresh": body["refresh"]})


def test_reused_refresh_token_revokes_the_chain(client, testapp):
    anonymous = Api(testapp)
    url = anonymous.url("auth.refresh")
    me_url = client.url("me")
    first = anonymous.post(url, json={"refresh": client.refresh}).json
    # Someone presents the retired token again: the whole sign-in stops working.
    anonymous.post(url, json={"refresh": client.refresh}, status=401)
    anonymous.post(url, json={"refresh": first["refresh"]}, status=401)
    Api(testapp, first["access"]).get(me_url, status=401)
    client.get(me_url, status=401)


def test_refresh_garbage(anonymous):
    url = anonymous.url("auth.refresh")
    assert anonymous.post(url, json={"refresh": "nope"}, status=401).json["code"] == 401
    assert [p["name"] for p in anonymous.post(url, json={}, status=400).json["extra"]] == ["refresh"]


def test_logout_revokes_every_token_of_the_sign_in(client, testapp):
    anonymous = Api(testapp)
    rotated = anonymous.post(anonymous.url("auth.refresh"), json={"refresh": client.refresh}).json
    me_url = client.url("me")
    anonymous.post(anonymous.url("auth.logout"), json={"refresh": rotated["refresh"]})
    client.get(me_url, status=401)
    Api(testapp, rotated["access"]).get(me_url, status=401)
    anonymous.post(anonymous.url("auth.refresh"), json={"refresh": rotated["refresh"]}, status=401)
    anonymous.post(anonymous.url("auth.logout"), json={"refresh": rotated["refresh"]}, status=401)


def test_logout_leaves_other_sign_ins(client, testapp):
    other = sign_in(testapp, "carol")
    Api(testapp).post(Api(testapp).url("auth.logout"), json={"refresh": client.refresh})
    other.me()


def test_revocation_reaches_another_app_instance(app_settings, client, testapp):
    """Two server processes on one database: a logout through one is refused by the other."""
    second_app = main({}, **app_settings)
    second = Api(webtest.TestApp(second_app, extra_environ={"HTTP_HOST": "example.com"}), client.access)
    me_url = client.url("me")
    try:
        second.get(me_url)
        client.post(client.url("auth.logout"), json={"refresh": client.refresh})
        second.get(me_url, status=401)
    finally:
        dispose(second_app.registry)


# --- me --------------------------------------------------------------------------------------------


def test_me(client):
    me = client.me()
    assert me["username"] == "carol" and me["role"] == "client"
    assert me["first_name"] == "Carol" and me["last_name"] == "Client"
    assert set(me["@changes"]) == {"creation_time", "modification_time"}
    assert me["@changes"]["creation_time"].endswith("Z")
    assert "client" in link_names(me)


def test_professional_has_no_client_link(professional):
    me = professional.me()
    assert "client" not in link_names(me) and "caseload" in link_names(me)


def test_patch_me(client):
    url = client.url("me")
    body = client.patch(url, json={"first_name": "Caroline", "email": "caroline@example.org"}).json
    assert body["first_name"] == "Caroline" and body["email"] == "caroline@example.org"
    assert client.me()["first_name"] == "Caroline"


def test_patch_me_bad_input(client):
    url = client.url("me")
    body = client.patch(url, json={"email": "nope", "first_name": 3}, status=400).json
    assert {p["name"] for p in body["extra"]} == {"email", "first_name"}
    body = client.patch(url, json={"email": "c" * 250 + "@example.org"}, status=400).json
    assert [p["name"] for p in body["extra"]] == ["email"]
    assert client.me()["email"] == "carol@example.org"


def test_change_password_needs_the_current_one(client, testapp):
    url = client.url("me")
    new = "a new long passphrase"
    body = client.patch(url, json={"password": new}, status=400).json
    assert [p["name"] for p in body["extra"]] == ["current_password"]
    client.patch(url, json={"password": new, "current_password": "wrong"}, status=400)
    client.patch(url, json={"password": "short", "current_password": PASSWORD}, status=400)
    client.patch(url, json={"password": new, "current_password": PASSWORD})
    sign_in(testapp, "carol", new)
    anonymous = Api(testapp)
    anonymous.post(anonymous.url("auth.token"), json={"username": "carol", "password": PASSWORD}, status=401)


def test_if_match_on_me(client):
    url = client.url("me")
    etag = client.get(url).headers["ETag"]
    client.patch(url, json={"first_name": "A"}, headers={"If-Match": etag})
    response = client.patch(url, json={"first_name": "B"}, headers={"If-Match": etag}, status=412)
    assert response.json["code"] == 412
    assert client.me()["first_name"] == "A"


# --- users (admin) ---------------------------------------------------------------------------------


def test_users_is_for_admins(client, professional, admin):
    users_url = admin.url("users")
    for caller in (client, professional):
        assert caller.get(users_url, status=403).json["code"] == 403
        caller.post(users_url, json={}, status=403)


def test_admin_lists_users_in_pages(admin, client, professional):
    url = admin.url("users")
    body = admin.get(url, params={"limit": 2}).json
    assert len(body["@items"]) == 2
    rest = admin.get(link(body, "next")).json
    names = [u["username"] for u in body["@items"] + rest["@items"]]
    assert names == ["admin", "carol", "pat"]
    assert "next" not in link_names(rest)


def test_admin_creates_any_role(admin, testapp):
    url = admin.url("users")
    for role in ("client", "friend", "professional", "researcher", "admin"):
        body = admin.post(url, json={"username": f"new-{role}", "password": PASSWORD,
                                     "email": f"{role}@example.org", "role": role}, status=201).json
        assert body["role"] == role
        me = sign_in(testapp, f"new-{role}").me()
        assert ("client" in link_names(me)) == (role in ("client", "friend"))


def test_admin_create_user_bad_role(admin):
    body = admin.post(admin.url("users"), json={"username": "x-user", "password": PASSWORD,
                                                "email": "x@example.org", "role": "king"}, status=400).json
    assert [p["name"] for p in body["extra"]] == ["role"]


def test_other_users_are_hidden(client, professional, admin):
    pat_url = professional.url("me")
    assert client.get(pat_url, status=404).json["code"] == 404
    admin.get(pat_url)


# --- caseload --------------------------------------------------------------------------------------


def test_caseload_assignment(admin, client, professional):
    client_url = client.client()["@url"]
    caseload_url = link(professional.me(), "caseload")
    # Before: the professional sees no clients, and not this one.
    assert professional.get(professional.url("clients")).json["@items"] == []
    professional.get(client_url, status=404)

    response = admin.post(caseload_url, json={"client": client_url}, status=201)
    assignment = response.json
    assert response.location == assignment["@url"]
    assert assignment["client"] == client_url
    # Assigning again changes nothing.
    assert admin.post(caseload_url, json={"client": client_url}, status=200).json["@url"] == assignment["@url"]

    listed = professional.get(professional.url("clients")).json["@items"]
    assert [c["@url"] for c in listed] == [client_url]
    assert professional.get(client_url).json["name"] == "Carol Client"
    assert [a["client"] for a in professional.get(caseload_url).json["@items"]] == [client_url]

    admin.delete(assignment["@url"], status=204)
    professional.get(client_url, status=404)
    admin.delete(assignment["@url"], status=404)


def test_only_admins_assign(admin, client, professional):
    client_url = client.client()["@url"]
    caseload_url = link(professional.me(), "caseload")
    professional.post(caseload_url, json={"client": client_url}, status=403)
    client.post(caseload_url, json={"client": client_url}, status=404)


def test_assign_unknown_client(admin, professional):
    caseload_url = link(professional.me(), "caseload")
    body = admin.post(caseload_url, json={"client": "http://example.com/clients/nope/"}, status=400).json
    assert [p["name"] for p in body["extra"]] == ["client"]


def test_clients_login_filter(admin, client, caseload, professional):
    url = professional.url("clients")
    assert [c["login"] for c in professional.get(url, params={"login": "carol"}).json["@items"]] == ["carol"]
    assert professional.get(url, params={"login": "nobody"}).json["@items"] == []
    assert len(admin.get(url).json["@items"]) == 1


def test_the_listings_links_are_the_clients_own_asked_without_pyramids_explanations(admin, client, caseload,
                                                                                    professional, monkeypatch):
    """A client in the listing has the links its own representation gives the caller; each link's permission is
    answered by security.allowed (Pyramid's rule, tests/unit/test_allowed.py), not by request.has_permission,
    whose explained answer cost half of a caseload page (docs/performance.md): Pyramid is asked for the view's
    permission and the page's, not for each link (47 times for a caseload of one before)."""
    from hyperdiary.security import SecurityPolicy

    asked = []
    permits = SecurityPolicy.permits
    monkeypatch.setattr(SecurityPolicy, "permits", lambda self, *args: asked.append(args[2]) or permits(self, *args))
    listed = professional.get(professional.url("clients")).json["@items"]
    asked_for_listing = list(asked)
    own = professional.get(caseload).json
    assert [item["@links"] for item in listed] == [own["@links"]]
    assert len(own["@links"]) > 10
    assert "clients:list" in asked_for_listing and len(asked_for_listing) <= 2


def test_create_user_command(app_settings, tmp_path, testapp, monkeypatch, capsys):
    """`hyperdiary create-user` makes a user the server accepts (same database, same environment)."""
    from hyperdiary.scripts import cli

    ini = tmp_path / "cli.ini"
    ini.write_text("[app:main]\nuse = egg:hyperdiary\n"
                   f"hyperdiary.schemas_dir = {app_settings['hyperdiary.schemas_dir']}\n"
                   "hyperdiary.argon2.memory_cost = 256\nhyperdiary.argon2.time_cost = 1\n"
                   "hyperdiary.argon2.parallelism = 1\nsqlalchemy.url = sqlite:///nowhere/at/all.sqlite\n")
    monkeypatch.setenv("HYPERDIARY_DATABASE_URL", app_settings["sqlalchemy.url"])
    cli.main(["create-user", "--config", str(ini), "--username", "root", "--password", PASSWORD, "--role", "admin"])
    assert "Created admin 'root'" in capsys.readouterr().out
    admin = sign_in(testapp, "root")
    assert "users" in link_names(admin.root())
    with pytest.raises(SystemExit):
        cli.main(["create-user", "--config", str(ini), "--username", "root", "--password", PASSWORD])
    with pytest.raises(SystemExit):
        cli.main(["create-user", "--config", str(ini), "--username", "weak", "--password", "short"])


def test_unchanged_profile_answers_304(client):
    url = client.url("me")
    etag = client.get(url).headers["ETag"]
    client.get(url, headers={"If-None-Match": etag}, status=304)
    client.patch(url, json={"first_name": "New"})
    client.get(url, headers={"If-None-Match": etag}, status=200)


def test_the_callers_own_user_is_read_with_the_token(app, client):
    """`me` (GET /users/<id>/): the token and the user come in one statement (hyperdiary/lineage.py), the
    user's client record in one more; a PATCH of it still changes the stored user."""
    me = client.me()
    with sent_statements(app) as sent:
        client.get(me["@url"])
    assert len(sent) == 2 and "tokens" in sent[0] and "users" in sent[0], sent
    changed = client.patch(me["@url"], json={"first_name": "Caroline"}, headers={"If-Match": client.get(
        me["@url"]).headers["ETag"]}).json
    assert changed["first_name"] == "Caroline" == client.get(me["@url"]).json["first_name"]
