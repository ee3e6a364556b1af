"""A client's charts: those the domains register (`config.add_chart`, `config.add_chart_source`): one per
`x-charts` entry of its diary's configured schemas, moods per day, journals per day, goals completed per week.
Read by whoever may read the client."""
from ..resources import Resource


class Charts(Resource):
    @property
    def client(self):
        return self.__parent__.client

    def specs(self) -> dict:
        """name -> (title, kind, entry schema or None, its x-charts entry or None), in the order listed."""
        charts = self.request.registry["charts"]
        found = {}
        for source in charts.sources:
            found.update(source(self))
        for name, (title, kind) in charts.fixed.items():
            found[name] = (title, kind, None, None)
        return found

    def __getitem__(self, name):
        spec = self.specs().get(name)
        if spec is None:
            raise KeyError(name)
        return ChartResource(self, name, *spec)


class ChartResource(Resource):
    def __init__(self, parent, name, title, kind, schema, chart):
        super().__init__(parent, name)
        self.title, self.kind, self.schema, self.chart = title, kind, schema, chart

    @property
    def client(self):
        return self.__parent__.client
