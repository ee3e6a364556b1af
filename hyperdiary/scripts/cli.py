"""The `hyperdiary` command: `migrate` the database, `create-user` (the first admin, or any role), and
`export` a client's data (the document of its `export` link, JSON or FHIR, to standard output).

Both read the same ini file and environment overrides as the server, so they act on its database.
"""
import argparse
import getpass
import sys
import warnings

# Pyramid 2.1 still imports pkg_resources; its deprecation notice is noise on a command line.
warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)

import transaction
from pyramid.paster import get_appsettings, setup_logging

from .. import accounts, apply_environment, migrate
from ..accounts.models import Role
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

    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
