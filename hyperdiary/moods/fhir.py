"""Mood logs in the FHIR export (hyperdiary/fhir.py): each an Observation (category survey) whose value is the
mood, its reasons as components."""
from .. import hypermedia as hm
from ..fhir import entry, meta, record_id, text, without_none

OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"


def observation(request, body: dict, subject: dict) -> dict:
    moods = hm.type_iri(request, "mood")
    return without_none({
        "resourceType": "Observation", "id": record_id(body), "meta": meta(body), "status": "final",
        "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}],
        "code": {"coding": [{"system": moods, "code": "mood", "display": "Mood"}], "text": "Mood"},
        "subject": subject, "effectiveDateTime": body["logdate"],
        "valueCodeableConcept": {"coding": [{"system": moods + "s", "code": body["mood"]}], "text": body["mood"]},
        "component": [{"code": {"text": "reason"}, "valueString": text(reason)}
                      for reason in body.get("reasons") or () if text(reason) is not None],
    })


def resources(request, bodies, context):
    """An Observation per mood log. (kinds.Kind.fhir)"""
    return (entry(observation(request, body, context.subject)) for body in bodies)
