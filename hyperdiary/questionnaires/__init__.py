"""Scored questionnaires (API.md §13, issue 22): PHQ-9, GAD-7 and WHO-5 as entry schemas with `x-scoring`
(hyperdiary/scoring.py, in the core with the schemas), each scored entry's `score`, the flagged answers that need a professional's `attention`,
assignments that make a questionnaire due every N days in the client's zone, the caseload's `attention` and
`latest_scores`, a chart per scored type, the `scores` report and the FHIR Observations.

The package itself imports nothing; `includeme` brings in the rest."""


def includeme(config):
    from . import caseload, scores

    from ..clients.resources import ClientResource  # noqa: F401 (the kinds hang below it)
    from ..reports.resources import Reports
    from . import charts
    from .views.report import ScoresReport

    config.add_child(Reports, "scores", ScoresReport)
    config.add_chart_source(charts.sources)
    config.add_chart("scores", charts.score_chart)
    config.include(".assignments")
    config.include(".attention")
    config.registry.setdefault("entry_changed", []).append(scores.entry_changed)  # (diary.EntryChanged)
    config.add_caseload_column(caseload.columns)
    config.scan(".views")
