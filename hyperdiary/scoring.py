"""`x-scoring`: how a schema declares the score of its entries (API.md §13), checked when a schema is loaded,
uploaded or previewed, and applied to an entry's fields.

    "x-scoring": {"sum": ["q1", ...], "multiply": 4, "bands": [{"min", "max", "label"}, ...],
                  "flags": [{"field", "min", "label"}, ...], "code": {"system", "code", "display"}}

This module knows nothing of requests or the database: schemas.py asks it whether a document's
`x-scoring` holds, and keeps the parsed `Scoring` beside the schema's validator. (A schema feature, like
`x-charts`, so it is part of the core; the questionnaires domain builds on it.)
"""
from __future__ import annotations

KEYS = frozenset({"sum", "multiply", "bands", "flags", "code"})
# Checking that the bands cover every possible score enumerates the sums a schema's answers can make; when
# that would take more than this many steps, the check covers every whole number between the lowest and the
# highest sum instead (stricter, never looser), so an uploaded schema cannot make the check run long.
MAX_SUMS = 100_000
MAX_STEPS = 2_000_000
# A representation's `score` is the server's: a scored schema may not have a field of that name.
SCORE = "score"


class ScoringProblem(ValueError):
    """Why a schema's `x-scoring` does not hold (schemas.py answers it as a 400 naming `x-scoring`)."""


def _integer(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _label(value) -> bool:
    return isinstance(value, str) and 0 < len(value.strip()) and len(value) <= 200


def answer_values(prop: dict) -> list[int] | None:
    """The integers an answer to this (dereferenced) property may take: its `oneOf`/`enum` choices, or every
    integer from `minimum` to `maximum`; None when it is not an integer field with such bounds."""
    types = prop.get("type")
    types = [types] if isinstance(types, str) else types if isinstance(types, list) else []
    if "integer" not in types or any(t not in ("integer", "null") for t in types):
        return None
    choices = prop.get("oneOf")
    if isinstance(choices, list) and choices and all(isinstance(c, dict) and "const" in c for c in choices):
        values = [c["const"] for c in choices]
    elif isinstance(prop.get("enum"), list):
        values = [v for v in prop["enum"] if v is not None]
    elif _integer(prop.get("minimum")) and _integer(prop.get("maximum")):
        if prop["maximum"] - prop["minimum"] > MAX_SUMS:
            return None
        values = list(range(prop["minimum"], prop["maximum"] + 1))
    else:
        return None
    return sorted(set(values)) if values and all(_integer(v) for v in values) else None


def possible_sums(domains: list[list[int]]):
    """Every sum the answers can make (a set), or the (lowest, highest) pair when there are too many to list."""
    low, high = sum(d[0] for d in domains), sum(d[-1] for d in domains)
    if high - low > MAX_SUMS:
        return low, high
    sums, steps = {0}, 0
    for domain in domains:
        steps += len(sums) * len(domain)
        if steps > MAX_STEPS:
            return low, high
        sums = {s + v for s in sums for v in domain}
    return sums


class Scoring:
    """A schema's parsed `x-scoring`: `score(fields)` gives an entry's `{"value", "band", "flags"}`."""

    __slots__ = ("fields", "multiply", "bands", "flags", "code", "lowest", "highest")

    def __init__(self, declared: dict, properties: dict):
        """`properties`: the schema's properties, each dereferenced; raises ScoringProblem."""
        if not isinstance(declared, dict):
            raise ScoringProblem("x-scoring must be an object.")
        unknown = sorted(set(declared) - KEYS)
        if unknown:
            raise ScoringProblem(f"x-scoring does not know {', '.join(unknown)}; it takes {', '.join(sorted(KEYS))}.")
        if SCORE in properties:
            raise ScoringProblem("A scored schema may not have a field named 'score': the server computes it.")
        summed = declared.get("sum")
        if not isinstance(summed, list) or not summed or not all(isinstance(f, str) for f in summed):
            raise ScoringProblem("x-scoring.sum must list the names of the fields whose answers are summed.")
        if len(set(summed)) != len(summed):
            raise ScoringProblem("x-scoring.sum names a field twice.")
        domains = []
        for name in summed:
            if name not in properties:
                raise ScoringProblem(f"x-scoring.sum names {name!r}, which is not a field of the schema.")
            domain = answer_values(properties[name])
            if domain is None:
                raise ScoringProblem(f"x-scoring.sum names {name!r}, which is not an integer field with integer "
                                     "choices or a minimum and a maximum.")
            domains.append(domain)
        multiply = declared.get("multiply", 1)
        if not _integer(multiply) or multiply < 1:
            raise ScoringProblem("x-scoring.multiply must be a whole number of at least 1.")
        self.fields, self.multiply = tuple(summed), multiply
        self.bands = self._bands(declared.get("bands"))
        sums = possible_sums(domains)
        scores = (range(sums[0] * multiply, sums[1] * multiply + 1) if isinstance(sums, tuple)
                  else sorted(s * multiply for s in sums))
        self.lowest, self.highest = scores[0], scores[-1]
        uncovered = [score for score in scores if self.band(score) is None]
        if uncovered:
            shown = ", ".join(str(s) for s in uncovered[:5]) + (" ..." if len(uncovered) > 5 else "")
            raise ScoringProblem(f"x-scoring.bands must cover every possible score ({self.lowest} to {self.highest}); "
                                 f"no band holds {shown}.")
        self.flags = self._flags(declared.get("flags", []), properties)
        self.code = self._code(declared.get("code"))

    @staticmethod
    def _bands(bands) -> tuple:
        if not isinstance(bands, list) or not bands:
            raise ScoringProblem("x-scoring.bands must list the bands of the score, each {min, max, label}.")
        parsed = []
        for band in bands:
            if (not isinstance(band, dict) or set(band) != {"min", "max", "label"} or not _integer(band["min"])
                    or not _integer(band["max"]) or not _label(band["label"])):
                raise ScoringProblem("Each of x-scoring.bands is {\"min\": integer, \"max\": integer, \"label\": text}.")
            if band["min"] > band["max"]:
                raise ScoringProblem(f"The band {band['label']!r} has its min above its max.")
            parsed.append((band["min"], band["max"], band["label"]))
        ordered = sorted(parsed)
        for before, after in zip(ordered, ordered[1:]):
            if after[0] <= before[1]:
                raise ScoringProblem(f"x-scoring.bands overlap: {before[2]!r} and {after[2]!r} both hold {after[0]}.")
        return tuple(ordered)

    @staticmethod
    def _flags(flags, properties) -> tuple:
        if not isinstance(flags, list):
            raise ScoringProblem("x-scoring.flags must be a list of {field, min, label}.")
        parsed = []
        for flag in flags:
            if (not isinstance(flag, dict) or set(flag) != {"field", "min", "label"} or not _integer(flag["min"])
                    or not isinstance(flag["field"], str) or not _label(flag["label"])):
                raise ScoringProblem("Each of x-scoring.flags is {\"field\": name, \"min\": integer, \"label\": text}.")
            if flag["field"] not in properties or answer_values(properties[flag["field"]]) is None:
                raise ScoringProblem(f"x-scoring.flags names {flag['field']!r}, which is not an integer field of "
                                     "the schema.")
            parsed.append((flag["field"], flag["min"], flag["label"]))
        return tuple(parsed)

    @staticmethod
    def _code(code):
        if code is None:
            return None
        if (not isinstance(code, dict) or not {"system", "code"} <= set(code) <= {"system", "code", "display"}
                or not all(isinstance(value, str) and value for value in code.values())):
            raise ScoringProblem("x-scoring.code is {\"system\": URI, \"code\": text, \"display\": text (optional)}.")
        if ":" not in code["system"]:
            raise ScoringProblem("x-scoring.code.system must be a URI (such as http://loinc.org).")
        return dict(code)

    def band(self, value: int) -> str | None:
        return next((label for low, high, label in self.bands if low <= value <= high), None)

    def value(self, fields: dict) -> int | None:
        """The score of these answers; None while an answer it sums is missing."""
        answers = [fields.get(name) for name in self.fields]
        if not all(_integer(answer) for answer in answers):
            return None
        return sum(answers) * self.multiply

    def raised(self, fields: dict) -> list[dict]:
        """The flags these answers raise: [{"field", "label"}]."""
        return [{"field": field, "label": label} for field, least, label in self.flags
                if _integer(fields.get(field)) and fields[field] >= least]

    def score(self, fields: dict) -> dict | None:
        """An entry's `score`: {"value", "band", "flags"}, or None while an answer it sums is missing."""
        value = self.value(fields)
        if value is None:
            return None
        return {"value": value, "band": self.band(value), "flags": self.raised(fields)}


def scoring_of(document: dict, properties: dict) -> Scoring | None:
    """The document's Scoring (None when it declares none); raises ScoringProblem."""
    if "x-scoring" not in document:
        return None
    return Scoring(document["x-scoring"], properties)
