"""Reminders that reach people (API.md §12): a client's notification settings, its browsers' push
subscriptions, the deliveries it can read, the channels (Web Push, e-mail) and the worker that sends due
reminders (`hyperdiary deliver`), asking the sources other domains register with
`config.add_reminder_source(source)` (hyperdiary/reminders/worker.py says what a source is)."""
# (Nothing at this level imports hyperdiary.models or another domain: includeme and the methods import late.)


class Reminders:
    """What an app knows of reminders: its channels, the http hosts a push endpoint may use (tests), and
    the sources of reminders."""

    def __init__(self, settings):
        from .channels import allowed_http_hosts, configured, public_url
        self.channels = configured(settings)
        self.allowed_http_hosts = allowed_http_hosts(settings)
        self.base_url = public_url(settings)
        self.sources = []

    def worker(self, registry):
        from ..models import writer
        from .worker import Worker
        engine = registry["dbengine"]
        return Worker(engine, writer(engine), self.sources, self.channels, self.base_url)


def add_reminder_source(config, source):
    """`config.add_reminder_source(source)`: the worker asks `source` for due reminders on every pass."""
    if not getattr(source, "name", None) or len(source.name) > 50:
        raise ValueError("A reminder source needs a name of 1 to 50 characters.")
    sources = config.registry["reminders"].sources
    if any(other.name == source.name for other in sources):
        raise ValueError(f"The reminder source {source.name!r} is added twice.")
    sources.append(source)


def includeme(config):
    from ..clients.resources import ClientResource
    from .resources import Notifications

    reminders = config.registry["reminders"] = Reminders(config.get_settings())
    config.add_child(ClientResource, "notifications", Notifications)
    if reminders.channels.push is not None:  # no link while Web Push is not configured
        config.add_root_link("push.key", None, "push-key")
    config.add_directive("add_reminder_source", add_reminder_source)
    config.include(".kinds")
    config.scan(".views")
