"""The `hyperdiary` command: `migrate` the database, `create-user` (the first admin, or any role),
`export` a client's data (the document of its `export` link, JSON or FHIR, to standard output), `deliver`
due reminders (until stopped, or `--once`), `audit-prune` the audit trail's events older than its retention,
make a VAPID key pair for Web Push (`vapid-keys`), and `serve` (pserve, without the deprecation notice
Pyramid's import of pkg_resources prints).

All read the same ini file and environment overrides as the server, so they act on its database.
"""
import argparse
import getpass
import sys

try:
    import transaction
    from pyramid.paster import get_appsettings, setup_logging
except ImportError as error:  # `pip install hyperdiary` alone is the client: the command needs the server.
    sys.exit(f"error: hyperdiary's server is not installed ({error.name} is missing): "
             "pip install 'hyperdiary[server]'")

from .. import accounts, migrate
from ..accounts.models import Role
from ..app import apply_environment
from ..models import get_engine, get_session_factory
from ..schemas import default_diary_schemas, shipped_schemas


def _settings(config_uri):
    setup_logging(config_uri)
    return apply_environment(get_appsettings(config_uri))


def cmd_migrate(args):
    migrate.upgrade(_settings(args.config))
    print("Database is at the latest revision.")


def cmd_create_user(args):
    settings = _settings(args.config)
    password = args.password
    if password is None:
        password = getpass.getpass("Password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    problem = accounts.password_problem(password, args.username, getattr(args, "email", "") or "")
    if problem:
        sys.exit(f"error: {problem}")
    defaults = default_diary_schemas(settings, shipped_schemas(settings))
    engine = get_engine(settings)
    try:
        with transaction.manager:
            dbsession = get_session_factory(engine)()
            user = accounts.create_user(
                dbsession, accounts.password_hasher(settings), username=args.username, password=password,
                email=args.email or f"{args.username}@localhost", role=args.role,
                first_name=args.first_name, last_name=args.last_name, diary_schemas=defaults,
            )
            user_id = user.id
    except accounts.UsernameTaken:
        sys.exit(f"error: the username {args.username!r} is taken")
    finally:
        engine.dispose()
    print(f"Created {args.role} {args.username!r} (id {user_id}).")


def cmd_export(args):
    """What the client's `export` link answers, written to standard output as it is read. The command runs
    as the operator (no user): the representations carry the links anyone may follow, and the audit
    records an export by no user."""
    from pyramid.paster import bootstrap
    from sqlalchemy import select

    from .. import audit, export, fhir
    from ..clients.models import Client
    from ..accounts.models import User
    from ..request import Request
    from ..clients.resources import ClientResource
    from ..clients.export import head, patient

    request = Request.blank("/", base_url=args.base_url.rstrip("/"))
    with bootstrap(args.config, request=request) as env:
        request = env["request"]
        request.root = env["root"]
        engine = env["registry"]["dbengine"]
        try:
            client = request.dbsession.execute(
                select(Client).join(User, User.id == Client.user_id)
                .where(User.username == accounts.normalize_username(args.username))).scalar()
            if client is None:
                sys.exit(f"error: no client has the username {args.username!r}")
            resource = ClientResource(request.root["clients"], client.id, client)
            if args.fhir:
                pieces = fhir.bundle(request, engine, resource, patient)
            else:
                pieces = export.document(request, engine, resource, head(request, resource))
            output = sys.stdout.buffer
            for piece in pieces:
                output.write(piece)
            output.flush()
            with engine.begin() as connection:
                audit.record(connection, audit.operator_export(client.id, f"clients/{client.id}/export"))
        finally:
            engine.dispose()


def cmd_deliver(args):
    """The reminder worker (hyperdiary/reminders/worker.py): passes at most 30 s apart until SIGTERM or
    SIGINT, or one pass with --once. It builds the app from the ini file, so it sends through the same
    settings, sources and database as the server."""
    import logging

    from pyramid.paster import get_app

    from ..models import dispose
    from ..reminders.worker import INTERVAL

    setup_logging(args.config)
    logging.getLogger("hyperdiary.deliver").setLevel(logging.INFO)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = get_app(args.config)
    reminders = app.registry["reminders"]
    states = reminders.channels.states()
    logging.getLogger("hyperdiary.deliver").info(
        "deliver: push %s, e-mail %s, sources: %s", "on" if states["push"] else "off",
        "on" if states["email"] else "off", ", ".join(source.name for source in reminders.sources) or "none")
    try:
        reminders.worker(app.registry).run(once=args.once, interval=min(args.interval, INTERVAL))
    finally:
        dispose(app.registry)


def cmd_audit_prune(args):
    """Remove the audit events older than `hyperdiary.audit.retention_days` (or --days), never one within it
    (hyperdiary/audit_partitions.py: whole months on PostgreSQL), and make the months ahead. Without a
    retention it keeps every event."""
    from .. import audit_partitions
    from ..models.meta import utcnow

    settings = _settings(args.config)
    try:
        days = args.days if args.days is not None else audit_partitions.retention(settings)
        if days is not None and days < 1:
            raise ValueError("--days must be at least 1")
    except ValueError as error:
        sys.exit(f"error: {error}")
    engine = get_engine(settings, bounded=False)
    try:
        with engine.begin() as connection:
            now = utcnow()
            made = audit_partitions.ensure(connection, now)
            if days is None:
                print(f"Keeping every audit event ({audit_partitions.SETTING} is not set)."
                      + (f" Made {', '.join(made)}." if made else ""))
                return
            pruned = audit_partitions.prune(connection, now, days)
    finally:
        engine.dispose()
    print(f"Removed the audit events before {pruned['cutoff']:%Y-%m-%d %H:%M:%S} UTC: "
          f"{len(pruned['dropped'])} monthly partitions dropped ({', '.join(pruned['dropped']) or 'none'}), "
          f"{pruned['deleted']} rows deleted." + (f" Made {', '.join(made)}." if made else ""))


def cmd_vapid_keys(args):
    """A new VAPID key pair (P-256): the private key as PEM (PKCS#8) in FILE, readable by its owner only,
    for `hyperdiary.webpush.vapid_private_key`; the public key (what `push.key` answers) printed."""
    import base64
    import os

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    try:
        descriptor = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        sys.exit(f"error: {args.out} exists; choose another file (a key in use is not overwritten)")
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)
    public = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    print(f"Wrote {args.out}. Public key (applicationServerKey): "
          f"{base64.urlsafe_b64encode(public).decode().rstrip('=')}")


def cmd_serve(args):
    """pserve with the ini file's [server:main]; without one (the minimal ini file of the README),
    hyperdiary's waitress on --listen."""
    import plaster
    from pyramid.scripts.pserve import main as pserve

    from ..server import serve_paste

    loader = plaster.get_loader(args.config, protocols=["wsgi"])
    if "server:main" in loader.get_sections():
        return pserve(["pserve", args.config, *args.variables])
    setup_logging(args.config)
    app = loader.get_wsgi_app(defaults=dict(variable.split("=", 1) for variable in args.variables))
    print(f"Serving on http://{args.listen}", flush=True)
    return serve_paste(app, {}, listen=args.listen)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="hyperdiary", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    migrate_parser = commands.add_parser("migrate", help="upgrade the database to the latest revision")
    migrate_parser.add_argument("--config", default="development.ini")
    migrate_parser.set_defaults(func=cmd_migrate)

    user_parser = commands.add_parser("create-user", help="create a user of any role")
    user_parser.add_argument("--config", default="development.ini")
    user_parser.add_argument("--username", required=True)
    user_parser.add_argument("--password", help="read from standard input when left out")
    user_parser.add_argument("--role", default="admin", choices=[str(r) for r in Role])
    user_parser.add_argument("--email")
    user_parser.add_argument("--first-name", default="")
    user_parser.add_argument("--last-name", default="")
    user_parser.set_defaults(func=cmd_create_user)

    export_parser = commands.add_parser("export", help="write a client's data to standard output (JSON or FHIR)")
    export_parser.add_argument("--config", default="development.ini")
    export_parser.add_argument("--username", required=True, help="the client's username")
    export_parser.add_argument("--fhir", action="store_true", help="a FHIR R4 Bundle instead of hyperdiary's JSON")
    export_parser.add_argument("--base-url", default="http://localhost:6543",
                               help="the public URL of the API, which the @urls in the document start with")
    export_parser.set_defaults(func=cmd_export)

    deliver_parser = commands.add_parser("deliver", help="send due reminders (Web Push, e-mail) until stopped")
    deliver_parser.add_argument("--config", default="development.ini")
    deliver_parser.add_argument("--once", action="store_true", help="make one pass and exit")
    deliver_parser.add_argument("--interval", type=float, default=30, help="seconds between passes (at most 30)")
    deliver_parser.set_defaults(func=cmd_deliver)

    prune_parser = commands.add_parser("audit-prune", help="remove audit events older than the retention")
    prune_parser.add_argument("--config", default="development.ini")
    prune_parser.add_argument("--days", type=int, help="keep this many days (default: hyperdiary.audit.retention_days)")
    prune_parser.set_defaults(func=cmd_audit_prune)

    vapid_parser = commands.add_parser("vapid-keys", help="write a new VAPID private key (PEM) for Web Push")
    vapid_parser.add_argument("--out", required=True, help="the PEM file to write (must not exist)")
    vapid_parser.set_defaults(func=cmd_vapid_keys)

    serve_parser = commands.add_parser("serve", help="serve the app as pserve does ([server:main] of the ini file)")
    serve_parser.add_argument("--config", default="development.ini")
    serve_parser.add_argument("--listen", default="127.0.0.1:6543",
                              help="host:port, when the ini file has no [server:main] (default 127.0.0.1:6543)")
    serve_parser.add_argument("variables", nargs="*", metavar="NAME=VALUE",
                              help="values for the ini file's %%(NAME)s, as pserve takes them (http_port=8080)")
    serve_parser.set_defaults(func=cmd_serve)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
