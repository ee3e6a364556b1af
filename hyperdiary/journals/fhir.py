"""Journals in the FHIR export (hyperdiary/fhir.py): each a DocumentReference, its text as a text/plain
attachment, its tags as categories. A journal is a document the patient wrote, not a measurement, and
DocumentReference is FHIR's resource for a document with a title, a date and free text; an Observation would
need a code for what was observed, and a journal has none."""
import base64

from ..fhir import entry, meta, record_id, text, without_none


def document_reference(body: dict, subject: dict) -> dict:
    content = {"contentType": "text/plain; charset=utf-8", "title": text(body.get("title")),
               "creation": body["journal_timestamp"]}
    if text(body.get("description")):
        content["data"] = base64.b64encode(body["description"].encode("utf-8")).decode("ascii")
    categories = [without_none({"coding": [without_none({"system": tag["tagtype"].rsplit("/", 2)[0] + "/",
                                                         "code": tag["tagtype"].rstrip("/").rsplit("/", 1)[-1],
                                                         "display": text(tag["name"])})],
                                "text": text(tag.get("description")) or text(tag["name"])})
                  for tag in body.get("tags") or ()]
    return without_none({
        "resourceType": "DocumentReference", "id": record_id(body), "meta": meta(body), "status": "current",
        "docStatus": "final", "type": {"text": "Journal"}, "category": categories, "subject": subject,
        "date": body["journal_timestamp"], "author": [subject], "description": text(body.get("title")),
        "content": [{"attachment": without_none(content)}],
    })


def resources(request, bodies, context):
    """A DocumentReference per journal. (kinds.Kind.fhir)"""
    return (entry(document_reference(body, context.subject)) for body in bodies)
