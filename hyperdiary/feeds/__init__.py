"""Calendar feeds: a client's goals as an iCalendar feed behind a secret URL."""


def includeme(config):
    from ..clients.resources import ClientResource
    from ..resources.root import Root
    from .resources import CalendarFeeds, SecretFeeds

    config.add_child(Root, "feeds", SecretFeeds)
    config.add_child(ClientResource, "calendarfeeds", CalendarFeeds)
    config.scan(".views")
