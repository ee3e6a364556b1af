"""A scored entry in the FHIR export (API.md §13): besides its QuestionnaireResponse, an Observation of its
score, coded with the schema's `x-scoring.code` (LOINC 44261-6 for PHQ-9's total, 70274-6 for GAD-7's) or,
without one, with the schema's own $id; `valueInteger` the score, `derivedFrom` the response,
`interpretation` the band."""
import hashlib

OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"


def observation_id(entry_id: str) -> str:
    """The Observation's id: derived from the entry's, distinct from the response's (which is the entry's)."""
    return hashlib.sha256(f"score:{entry_id}".encode("ascii")).hexdigest()[:32]


def score_observation(body: dict, schema, subject: dict, response_url: str) -> dict | None:
    """The Observation of an entry's score (its representation `body`), or None while it has none."""
    score = body.get("score")
    if not score:
        return None
    entry_id = body["@url"].rstrip("/").rsplit("/", 1)[-1]
    title = schema.descriptor["title"]
    code = schema.scoring.code
    coding = ({"system": code["system"], "code": code["code"], **({"display": code["display"]} if "display" in code
                                                                   else {})}
              if code else {"system": schema.id, "code": "score", "display": f"{title} score"})
    observation = {
        "resourceType": "Observation", "id": observation_id(entry_id),
        "meta": {"lastUpdated": body["@changes"]["modification_time"]}, "status": "final",
        "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}],
        "code": {"coding": [coding], "text": f"{title} score"},
        "subject": subject, "effectiveDateTime": body["dt"], "valueInteger": score["value"],
        "derivedFrom": [{"reference": response_url}],
    }
    if score["band"]:
        observation["interpretation"] = [{"text": score["band"]}]
    if score["flags"]:
        observation["note"] = [{"text": flag["label"]} for flag in score["flags"]]
    return observation
