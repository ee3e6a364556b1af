"""A client's reports (for its professionals): the report types, by name, below the client."""
from ..resources import Resource, child_collection


class Report(Resource):
    """One report type; its view reads the query (`reference_date` ...) and counts."""

    @property
    def client(self):
        return self.__parent__.client

    @property
    def client_resource(self):
        """The client's resource, whose children (diary entries, journals, moods) the items link to."""
        return self.__parent__.__parent__


class EntriesSinceReport(Report):
    """Diary entries, journals and mood logs at or after an instant, newest first, paged; counts per kind."""


class PerWeekReport(Report):
    """Entries, journals, moods and completed goals per ISO week, over 12 weeks."""


class Reports(Resource):
    """GET lists the report types as links. Reading is what the client's ACL grants as VIEW: the client
    itself, the professionals of its caseload, admins; anyone else does not learn the client exists."""

    @property
    def client(self):
        return self.__parent__.client

    def __getitem__(self, name):
        """The report types the domains register (`config.add_child(Reports, name, ReportClass)`), by the
        names of their links: an unknown name is a KeyError (404)."""
        return child_collection(self, name)
