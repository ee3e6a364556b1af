"""The WSGI application: `main` is PasteDeploy's app factory (`use = egg:hyperdiary`, setup.cfg's entry point)."""
import gc
import os

from pyramid.config import Configurator

from . import shipped

# The domains, one package each (hyperdiary/<domain>/: its models, record kinds, resources, views and hooks,
# docs/architecture.md), included in this order: a domain's kinds hang below the resources of those before it.
# A domain's models (its `models.py`) are registered by its line here too (models.load: alembic, the mappers).
DOMAINS = (
    "accounts",
    "clients",
    "reports",
    "charts",
    # Before the domains that register reminder sources (goals): it adds config.add_reminder_source.
    "reminders",
    "diary",
    "goals",
    "journals",
    "moods",
    "feeds",
    "research",
    "questionnaires",
    "careteam",
)

# Environment variables that override the ini file's settings.
ENVIRONMENT = {"HYPERDIARY_DATABASE_URL": "sqlalchemy.url",
               "HYPERDIARY_DATABASE_REPLICA_URLS": "hyperdiary.database.replica_urls",
               "HYPERDIARY_RATELIMIT_STORAGE_URL": "hyperdiary.ratelimit.storage_url",
               "HYPERDIARY_CORS_ORIGINS": "hyperdiary.cors.origins",
               # Reminders (hyperdiary/reminders/): a channel without its settings is off.
               "HYPERDIARY_SMTP_URL": "hyperdiary.smtp.url",
               "HYPERDIARY_MAIL_FROM": "hyperdiary.mail.from",
               "HYPERDIARY_VAPID_PRIVATE_KEY": "hyperdiary.webpush.vapid_private_key",
               "HYPERDIARY_WEBPUSH_ALLOW_HTTP_HOSTS": "hyperdiary.webpush.allow_http_hosts",
               "HYPERDIARY_PUBLIC_URL": "hyperdiary.public_url"}


# Settings every deployment has, whatever its ini file says (an absent one was a 500 on every request).
# An ini file that names no schemas folder gets the shipped one, inside the installed package.
DEFAULTS = {"hyperdiary.namespace": "https://ns.hyperdiary.org/",
            "hyperdiary.schemas_dir": str(shipped.schemas())}


def apply_environment(settings: dict, environ=os.environ) -> dict:
    settings = dict(DEFAULTS, **{key: value for key, value in settings.items() if value not in ("", None)
                                 or key not in DEFAULTS})
    for variable, key in ENVIRONMENT.items():
        if environ.get(variable):
            settings[key] = environ[variable]
    return settings


def main(global_config, **settings):
    """The WSGI application (PasteDeploy's app factory)."""
    settings = apply_environment(settings)
    with Configurator(settings=settings, root_factory="hyperdiary.resources.root.root_factory") as config:
        config.include(".securityheaders")
        config.include(".faults")
        config.include(".rendering")
        config.include(".inputs")
        config.include(".request")
        config.include(".models")
        config.include(".audit")
        config.include(".security")
        config.include(".lineage")
        config.include(".ratelimit")
        config.include(".bodies")
        config.include(".images")
        config.include(".kinds")
        for domain in DOMAINS:
            config.include(f".{domain}")
        # A deployment's own packages (more record kinds, views): `hyperdiary.includes`, space separated.
        for name in settings.get("hyperdiary.includes", "").split():
            config.include(name)
        # After the domains: it wraps what models, lineage and accounts register.
        config.include(".replicas")
        config.include(".conditional")
        config.include(".compression")
        config.include(".cors")
        config.include(".pages")
        config.scan(".errors")
        config.scan(".views")
    app = config.make_wsgi_app()
    # What start-up built (configuration, schemas, compiled statements) lives as long as the process:
    # moved out of the garbage collector's generations, it is no longer scanned over and over while
    # requests allocate.
    gc.collect()
    gc.freeze()
    return app
