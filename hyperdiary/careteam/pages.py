"""The care team on the pages (hyperdiary/pages): the conversation as a chat (oldest at the top, newest at the
bottom, above a box to write), the feedback under each record with a box to add to it, and on the relatives'
page a box that makes an invitation and shows its code to pass on (it is shown only once).

Each is a section of the one page template (`pages.render` asks `page_sections`), built from the JSON body the
view answered, its values escaped; the boxes are the pages' own forms (templates/macros.html), sent by
pages.js like every other form: no script of their own."""
from markupsafe import Markup
from sqlalchemy import select

from .. import hypermedia as hm
from ..kinds import Item
from ..pages.render import esc
from ..security import Permissions
from .feedback import FeedbackKind
from .models import Feedback
from .relatives import LINK_NAMES

FEEDBACK_SHOWN = 50
SEE_TITLES = {"goals": "Goals", "moods": "Moods", "charts": "Charts", "journals": "Journals", "diary": "Diary"}


def _bubbles(request, show, items) -> str:
    me = f"{request.base_url}users/{request.user.id}/" if request.user is not None else None
    shown = []
    for item in items:
        if item.get("@deleted"):
            continue
        mine = item.get("author") == me
        unread = "" if item.get("read", True) else ' <span class="unread">new</span>'
        shown.append(
            f'<li class="bubble {"mine" if mine else "theirs"}"><p class="who">'
            f'{esc("You" if mine else item.get("author_name") or "Someone who left")}{unread}'
            f' · {show.html(item.get("sent"))}</p><p class="said">{esc(item.get("text") or "")}</p></li>')
    return "".join(shown)


def _box(request, action: str, field: dict, button: str, n: str, show_answer="reload") -> str:
    macro = request.registry["page_templates"].get_template("macros.html").module.input
    field_html = macro({"values": {}}, field, n)
    preview = '<div class="preview" aria-live="polite"></div>' if show_answer == "html" else ""
    return (f'<form class="write chat-box" method="post" action="{esc(action)}" data-method="POST" '
            f'data-show="{show_answer}" novalidate>{field_html}<div class="form-errors" role="alert" hidden></div>'
            f'<button type="submit">{esc(button)}</button></form>{preview}')


def conversation(request, context, body, show):
    """The messages' listing as a chat: its page, oldest first, and the box to write."""
    items = list(reversed(body.get("@items") or []))
    older = next((entry["url"] for entry in body.get("@links", ()) if entry["name"] == "next"), None)
    parts = ['<section aria-labelledby="chat-h" class="chat"><h2 id="chat-h">Conversation</h2>']
    if older:
        parts.append(f'<p class="pager"><a rel="next" href="{esc(older)}">Earlier messages</a></p>')
    bubbles = _bubbles(request, show, items)
    parts.append(f'<ol class="bubbles">{bubbles}</ol>' if bubbles else "<p>No messages yet: say hello.</p>")
    if request.has_permission(Permissions.MESSAGES, context):
        parts.append(_box(request, hm.url(request, context), {"name": "text", "title": "Your message", "type": "text",
                                                              "required": True, "max": 4000}, "Send", "chat"))
    parts.append("</section>")
    return Markup("".join(parts))


def feedback_under(request, context, show):
    """The feedback on the record of this page (oldest first), and a box to add to it."""
    collection = context["feedback"]
    kind = collection.kind
    rows = request.dbsession.execute(
        select(Feedback.__table__).where(Feedback.record_id == context.record.id, Feedback.deleted.is_(None))
        .order_by(Feedback.created, Feedback.id).limit(FEEDBACK_SHOWN)).all()
    items = kind.representations(request, collection, rows)
    parts = ['<section aria-labelledby="feedback-h" class="chat"><h2 id="feedback-h">Feedback</h2>']
    bubbles = _bubbles(request, show, items)
    parts.append(f'<ol class="bubbles">{bubbles}</ol>' if bubbles else "<p>No feedback yet.</p>")
    if len(rows) == FEEDBACK_SHOWN:
        parts.append(f'<p class="pager"><a href="{esc(hm.url(request, collection))}">All feedback</a></p>')
    parts.append(_box(request, hm.url(request, collection), {"name": "text", "title": "Your feedback", "type": "text",
                                                             "required": True, "max": 4000}, "Add", "feedback"))
    parts.append("</section>")
    return Markup("".join(parts))


def invitation(request, context, body, show):
    """On the relatives' page: a box that makes an invitation; its answer (shown in the page) holds the code."""
    field = {"name": "can_see", "title": "What they may see", "type": "multichoice", "required": True,
             "choices": [{"name": SEE_TITLES[name], "value": name} for name in LINK_NAMES]}
    return Markup('<section aria-labelledby="invite-h" class="box"><h2 id="invite-h">Invite someone close</h2>'
                  '<p class="hint">They sign in (or register), and enter the code you give them. It works once, '
                  'for 7 days, and is shown only now.</p>'
                  + _box(request, hm.url(request, context), field, "Make an invitation", "invite", "html")
                  + "</section>")


def code_to_pass_on(body, show):
    return Markup(f'<section aria-labelledby="code-h" class="box invitation"><h2 id="code-h">The code to pass on</h2>'
                  f'<p class="code-to-pass"><strong>{esc(body["invitation"])}</strong></p>'
                  f'<p class="hint">Valid until {show.html(body.get("expires"))}, once. Give it to the person you '
                  f'invite; they enter it under “invitations” after signing in.</p></section>')


def page_sections(request, context, body, show) -> dict:
    """{"html": Markup, "replaces_items": bool, "replaces_post": bool, "hides": the fields it shows} for this
    page, or None."""
    if not isinstance(body, dict) or request.user is None:
        return None
    type_iri = body.get("@type")
    if type_iri == hm.type_iri(request, "messages") and "@items" in body:
        return {"html": conversation(request, context, body, show), "replaces_items": True, "replaces_post": True}
    if type_iri == hm.type_iri(request, "relatives") and "@items" in body \
            and request.has_permission(Permissions.RELATIVES, context):
        return {"html": invitation(request, context, body, show), "replaces_items": False, "replaces_post": True}
    if type_iri == hm.type_iri(request, "relative") and body.get("invitation"):
        return {"html": code_to_pass_on(body, show), "replaces_items": False, "replaces_post": False}
    if isinstance(context, Item) and not isinstance(context.kind, FeedbackKind) \
            and any(entry["name"] == "feedback" for entry in body.get("@links", ())) and request.method == "GET":
        # (The count is for programs; a person reads the feedback itself, here.)
        return {"html": feedback_under(request, context, show), "replaces_items": False, "replaces_post": False,
                "hides": ("feedback_count",)}
    return None


def includeme(config):
    config.registry.setdefault("page_sections", []).append(page_sections)
