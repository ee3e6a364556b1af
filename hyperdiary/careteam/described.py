"""What the OpenAPI document (hyperdiary/openapi.py) says of the careteam's views that are not record kinds'
(redeeming a code, `shared_with_me`), of the shapes it cannot read from the kinds' body files, and of the
`unread` column of the clients listing."""
from .. import openapi as oa

USER = oa.USER
SHARED = oa.representation(
    "A client who lets the caller look along: exactly the links it chose, read-only.", name=oa.STRING,
    can_see={"type": "array", "items": {"enum": ["goals", "moods", "charts", "journals", "diary"]}},
    since=oa.described(oa.DATE_TIME, "when the invitation was redeemed"))

SCHEMAS = {
    "SharedClient": SHARED,
    "Invitation": oa.obj(["code"], code=oa.described(oa.STRING, "the code the client passed on")),
    "MessageChange": oa.obj((), read=oa.described({"const": True}, "the caller has read the message"),
                            **oa.read_only_keys("author", "author_name", "sent")),
}

OPERATIONS = (
    oa.Op("redeemInvitation", "post", "/invitations/", "Invitations", "", "Redeem a client's invitation code",
          "invitations", "Invitation", 201, "SharedClient", errors=(403,), etag=True, tag="care team"),
    oa.Op("listSharedWithMe", "get", USER + "shared_with_me/", "SharedWithMe", "",
          "The clients who let this user look along", "shared_with_me", result=oa.page(oa.ref("SharedClient")),
          errors=(404,), query=("limit", "after"), tag="care team"),
    oa.Op("getSharedClient", "get", USER + "shared_with_me/{relation_id}/", "SharedClient", "",
          "A client who lets this user look along", result="SharedClient", errors=(404,), etag=True,
          tag="care team"),
)


def includeme(config):
    registry = config.registry
    registry.setdefault("openapi.operations", []).extend(OPERATIONS)
    registry.setdefault("openapi.schemas", {}).update(SCHEMAS)
    registry.setdefault("openapi.client_fields", {})["unread"] = oa.described(
        oa.COUNT, "in the clients listing: the messages of the client's conversation the caller has not read")
