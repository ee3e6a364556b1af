"""What the pages show of scores (x-scoring; the questionnaires domain makes them) (API.md §13, §15): a scored entry's score in plain words, the
caseload's latest scores in a table's cell, and the caseload with the clients who need attention first."""


def score_sentence(body: dict, titles: dict) -> str | None:
    """"Your PHQ-9 score is 12 (moderate)." for a scored entry's page; None for anything else."""
    score = body.get("score")
    if not isinstance(score, dict) or not isinstance(score.get("value"), int):
        return None
    title = titles.get(body.get("@type")) or "questionnaire"
    words = f"The {title} score is {score['value']}"
    words += f": {score['band']}." if score.get("band") else "."
    if score.get("flags"):
        words += " Needs attention: " + "; ".join(flag["label"] for flag in score["flags"]) + "."
    return words


def latest_scores_cell(scores: list) -> str:
    """A caseload row's latest scores, e.g. "PHQ-9 12 (moderate), WHO-5 64 (good wellbeing)" (unescaped)."""
    return ", ".join(f"{s['title']} {s['value']}" + (f" ({s['band']})" if s.get("band") else "") for s in scores)


def by_attention(items: list) -> list:
    """The caseload's rows with the clients whose flagged answers wait first (most first), else as listed."""
    if not any(isinstance(item, dict) and item.get("attention") for item in items):
        return items
    return sorted(items, key=lambda item: -(item.get("attention") or 0) if isinstance(item, dict) else 0)
