"""Give the running application a PostgreSQL role that cannot rewrite history.

The database triggers already refuse UPDATE, DELETE and TRUNCATE of decisions. But a connection
that owns the tables (or is a superuser, as ``POSTGRES_USER`` is in the official image) could
drop or disable those triggers, or set ``session_replication_role = replica`` to skip them. So in
production the migrations run as the owner and web, worker and beat connect as a plain role that:

- owns nothing (cannot ALTER, DROP or DISABLE TRIGGER on any table) and is no superuser;
- may SELECT, INSERT, UPDATE and DELETE rows of the application's tables;
- has no UPDATE, DELETE or TRUNCATE on ``decisions_decision`` at all: even without the triggers
  it could only append.

Run after every ``migrate`` (docker-compose.yml's ``migrate`` service does): it is idempotent and
picks up tables a new migration created.
"""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

APPEND_ONLY_TABLES = ("decisions_decision",)


class Command(BaseCommand):
    help = "Create or update the application's restricted PostgreSQL role (run as the owner)."

    def add_arguments(self, parser):
        parser.add_argument("role", help="name of the role web, worker and beat connect as")
        parser.add_argument(
            "--password-env",
            default="",
            metavar="VAR",
            help="environment variable holding the role's password (set it on every run)",
        )

    def handle(self, *args, role: str, password_env: str, **options):
        if connection.vendor != "postgresql":
            self.stdout.write("Not PostgreSQL: there is no separate application role to set up.")
            return
        password = None
        if password_env:
            password = os.environ.get(password_env, "")
            if not password:
                raise CommandError(f"{password_env} is empty: set the application role's password.")
        from psycopg import sql

        connection.ensure_connection()
        raw = connection.connection
        ident = sql.Identifier(role)
        with raw.cursor() as cur:
            cur.execute("SELECT current_user, current_database()")
            owner, database = cur.fetchone()
            if owner == role:
                raise CommandError(
                    "Run this as the owner of the tables (the migrations' role), not as the "
                    "application role itself."
                )
            cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            verb = "ALTER" if cur.fetchone() else "CREATE"
            statements = [
                sql.SQL(
                    verb + " ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION"
                ).format(ident)
            ]
            if password is not None:
                statements.append(
                    sql.SQL("ALTER ROLE {} PASSWORD {}").format(ident, sql.Literal(password))
                )
            statements += [
                sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
                    sql.Identifier(database), ident
                ),
                sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(ident),
                sql.SQL(
                    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}"
                ).format(ident),
                sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(
                    ident
                ),
                # The migrations table is the owner's business.
                sql.SQL("REVOKE INSERT, UPDATE, DELETE ON django_migrations FROM {}").format(ident),
            ]
            for table in APPEND_ONLY_TABLES:
                statements.append(
                    sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE ON {} FROM {}").format(
                        sql.Identifier(table), ident
                    )
                )
            for statement in statements:
                cur.execute(statement)
        done = "created" if verb == "CREATE" else "updated"
        self.stdout.write(
            f"Role {role!r} {done}: it reads and writes the tables {owner!r} owns; "
            f"{', '.join(APPEND_ONLY_TABLES)} is append-only for it."
        )
