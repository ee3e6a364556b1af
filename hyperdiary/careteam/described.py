"""What the OpenAPI document (hyperdiary/openapi.py) cannot read from the care team's declarations: a message's
PATCH body (only `{"read": true}`, not its file's `text`), and the `unread` column of the clients listing."""
from .. import openapi as oa

SCHEMAS = {
    "MessageChange": oa.obj((), read=oa.described({"const": True}, "the caller has read the message"),
                            **oa.read_only_keys("author", "author_name", "sent", "text", "feedback_count")),
}


def includeme(config):
    registry = config.registry
    registry.setdefault("openapi.schemas", {}).update(SCHEMAS)
    registry.setdefault("openapi.client_fields", {})["unread"] = {
        "type": "integer", "minimum": 0,
        "description": "in the clients listing: the messages of the client's conversation the caller has not read"}
