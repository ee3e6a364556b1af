"""API.md §8 on accounts: a changed password (own or by an admin) and a deactivation end every sign-in;
a sign-in's refresh chain ends `session_max_age` after it began; admins deactivate and reactivate; a
role change is a 400, never a silent 200; user representations show `is_active`."""
import datetime
import time

import transaction
from sqlalchemy import update

from hyperdiary.accounts.models import AuthSession
from hyperdiary.models.meta import utcnow
from tests.conftest import PASSWORD, Api, create_user, sign_in

NEW_PASSWORD = "a brand new passphrase"


def accepted(api: Api) -> bool:
    """Is the access token accepted? (One that is not is a 401 invalid_token everywhere, API.md §11.)"""
    root = api.get("http://example.com/", status="*")
    return root.status_int == 200 and "me" in {entry["name"] for entry in root.json["@links"]}


def still_works(testapp, api: Api) -> tuple[bool, bool]:
    """(is the access token accepted, does the refresh token still rotate)"""
    signed_in = accepted(api)
    anonymous = Api(testapp)
    refreshed = anonymous.post(anonymous.url("auth.refresh"), json={"refresh": api.refresh}, status="*")
    return signed_in, refreshed.status_int == 200


def test_changing_ones_password_ends_every_sign_in(client, testapp):
    other_device = sign_in(testapp, "carol")
    client.patch(client.url("me"), json={"password": NEW_PASSWORD, "current_password": PASSWORD})
    assert still_works(testapp, other_device) == (False, False)
    # The caller's own tokens end too: they sign in again with the new password.
    assert not accepted(client)
    assert sign_in(testapp, "carol", NEW_PASSWORD).access


def test_an_admin_reset_ends_every_sign_in(admin, client, testapp):
    carol_url = client.me()["@url"]
    admin.patch(carol_url, json={"password": NEW_PASSWORD})
    assert still_works(testapp, client) == (False, False)
    assert still_works(testapp, admin) == (True, True)  # the admin's own sign-in goes on


def test_a_profile_change_without_a_password_keeps_the_sign_ins(client, testapp):
    client.patch(client.url("me"), json={"first_name": "Caro"})
    assert still_works(testapp, client) == (True, True)


def test_deactivation_and_reactivation(admin, client, testapp):
    carol_url = client.me()["@url"]
    assert admin.get(carol_url).json["is_active"] is True
    body = admin.patch(carol_url, json={"is_active": False}).json
    assert body["is_active"] is False
    assert still_works(testapp, client) == (False, False)
    # Signing in answers as for bad credentials.
    refused = Api(testapp).post(Api(testapp).url("auth.token"), json={"username": "carol", "password": PASSWORD},
                                status=401).json
    wrong = Api(testapp).post(Api(testapp).url("auth.token"), json={"username": "carol", "password": "nope"},
                              status=401).json
    assert refused == wrong
    assert admin.patch(carol_url, json={"is_active": True}).json["is_active"] is True
    assert sign_in(testapp, "carol").access
    assert {user["username"]: user["is_active"] for user in admin.get(admin.url("users")).json["@items"]} == {
        "admin": True, "carol": True}


def test_only_admins_deactivate(client, professional, admin):
    me = client.me()
    refused = client.patch(me["@url"], json={"is_active": False}, status=403).json
    assert [p["name"] for p in refused["extra"]] == ["is_active"]
    # The representation's own value sent back is no change.
    client.patch(me["@url"], json={"is_active": True, "first_name": "Caro"})
    admin_url = admin.me()["@url"]
    assert [p["name"] for p in admin.patch(admin_url, json={"is_active": False}, status=400).json["extra"]] == [
        "is_active"]


def test_a_role_change_is_a_400(admin, client):
    carol_url = client.me()["@url"]
    for body in ({"role": "admin"}, {"role": "professional", "first_name": "X"}):
        answer = admin.patch(carol_url, json=body, status=400).json
        assert [p["name"] for p in answer["extra"]] == ["role"]
    assert admin.get(carol_url).json["role"] == "client"
    assert [p["name"] for p in client.patch(carol_url, json={"username": "caroline"}, status=400).json["extra"]] == [
        "username"]
    # A representation sent back whole changes what it changes, and nothing else.
    representation = client.me()
    client.patch(carol_url, json=dict(representation, first_name="Caro"))
    assert client.me()["role"] == "client" and client.me()["first_name"] == "Caro"


def test_a_sign_in_ends_at_its_absolute_lifetime(app, client, testapp):
    """Rotating a refresh token gives no life past `session_max_age` after the sign-in: the sign-in is
    moved back until one second of it is left, rotated, and then that second passes."""
    max_age = app.registry["token_ttl"].session_max_age
    with transaction.manager:
        dbsession = app.registry["dbsession_factory"]()
        dbsession.execute(update(AuthSession).values(created=utcnow() - datetime.timedelta(seconds=max_age - 1)))
    anonymous = Api(testapp)
    tokens = anonymous.post(anonymous.url("auth.refresh"), json={"refresh": client.refresh}).json
    assert tokens["expires_in"] <= 1
    rotated = Api(testapp, tokens["access"], tokens["refresh"])
    assert still_works(testapp, Api(testapp, tokens["access"], "spent")) == (True, False)
    time.sleep(1.1)
    assert still_works(testapp, rotated) == (False, False)


def test_a_sign_in_stores_the_rehashed_password(app, testapp, client):
    """The password is verified outside the request's transaction (accounts/auth.py); a hash made with other
    cost settings is still replaced by one with the current settings, in the request's transaction."""
    import argon2
    from sqlalchemy import select

    from hyperdiary.accounts.models import User

    old = argon2.PasswordHasher(time_cost=2, memory_cost=512, parallelism=1).hash(PASSWORD)
    with transaction.manager:
        dbsession = app.registry["dbsession_factory"]()
        dbsession.execute(update(User).where(User.username == "carol").values(password_hash=old))
    sign_in(testapp, "carol")
    with app.registry["dbengine"].connect() as conn:
        stored = conn.execute(select(User.password_hash).where(User.username == "carol")).scalar_one()
    assert stored != old and not app.registry["password_hasher"].check_needs_rehash(stored)


# --- the last active admin stays (API.md §8) ------------------------------------------------------------------


def test_the_last_active_admin_cannot_deactivate_or_erase_their_own_account(app, testapp, admin):
    me = admin.me()["@url"]
    answer = admin.patch(me, json={"is_active": False}, status=400).json
    assert [p["name"] for p in answer["extra"]] == ["is_active"] and "last active admin" in answer["extra"][0]["message"]
    assert "last active admin" in admin.delete(me, json={"password": PASSWORD}, status=400).json["message"]
    # Still there, still signed in.
    assert admin.me()["is_active"] is True
    # A deactivated colleague does not count.
    create_user(app, "adele", "admin")
    adele = admin.get(admin.url("users")).json["@items"][0]["@url"]
    assert admin.get(adele).json["username"] == "adele"
    admin.patch(adele, json={"is_active": False})
    admin.patch(me, json={"is_active": False}, status=400)
    admin.delete(me, json={"password": PASSWORD}, status=400)


def test_an_admin_with_an_active_colleague_may_leave(app, testapp, admin):
    create_user(app, "adele", "admin")
    adele = sign_in(testapp, "adele")
    admin.delete(admin.me()["@url"], json={"password": PASSWORD}, status=204)
    # Now Adele is the last one.
    adele_url = adele.me()["@url"]
    adele.patch(adele_url, json={"is_active": False}, status=400)
    adele.delete(adele_url, json={"password": PASSWORD}, status=400)
    # An admin deactivating itself while a colleague stays active is allowed.
    create_user(app, "abe", "admin")
    adele.patch(adele_url, json={"is_active": False}, status=200)
