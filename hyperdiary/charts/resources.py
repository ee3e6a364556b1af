"""A client's charts: one per `x-charts` entry of its diary's configured schemas, plus moods per day,
journals per day and goals completed per week. Read by whoever may read the client."""
from ..resources import Resource

# The charts every client has, by name: (title, kind).
FIXED = {"moods": ("Moods per day", "moods"), "journals": ("Journals per day", "journals"),
         "goals": ("Goals completed per week", "goals")}


class Charts(Resource):
    @property
    def client(self):
        return self.__parent__.client

    def specs(self) -> dict:
        """name -> (title, kind, entry schema or None, its x-charts entry or None), in the order listed."""
        found = {}
        schemas = self.request.entry_schemas.get_many(self.dbsession, self.client.diary_schemas)
        for schema in schemas:
            for index, chart in enumerate(schema.descriptor["charts"]):
                if isinstance(chart, dict) and isinstance(chart.get("series"), list):
                    title = chart.get("title") if isinstance(chart.get("title"), str) else schema.descriptor["title"]
                    found[f"{schema.key}-{index}"] = (title, "entries", schema, chart)
        for name, (title, kind) in FIXED.items():
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
