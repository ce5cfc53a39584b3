"""Give the running application a PostgreSQL role that cannot rewrite history.

The database triggers already refuse UPDATE, DELETE and TRUNCATE of decisions. But a connection
that owns the tables (or is a superuser, as ``POSTGRES_USER`` is in the official image) could
drop or disable those triggers, or set ``session_replication_role = replica`` to skip them. So in
production the migrations run as the owner and web, worker and beat connect as a plain role that:

- owns nothing (cannot ALTER, DROP or DISABLE TRIGGER on any table) and is no superuser;
- may SELECT, INSERT, UPDATE and DELETE rows of the application's tables;
- has no UPDATE, DELETE or TRUNCATE on the history at all — decisions and audit events — so
  even without the triggers it could only append;
- may not DELETE or TRUNCATE charters, their versions or signatures (nothing in Gatehouse deletes
  them); it keeps UPDATE of charters and versions, which the services need for drafts, for the
  approved → superseded step and for the charter's amendment counts (the triggers refuse the
  rest), and of a signature only its ``withdrawn_at`` (a withdrawal while in review).

Run after every ``migrate`` (docker-compose.yml's ``migrate`` service does): it is idempotent and
picks up tables a new migration created.
"""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

# Only ever added to: no UPDATE, DELETE or TRUNCATE.
APPEND_ONLY_TABLES = ("decisions_decision", "portfolio_auditevent")
# Never deleted: no DELETE or TRUNCATE; UPDATE stays (or, with columns, only of those columns).
UNDELETABLE_TABLES: dict[str, tuple[str, ...] | None] = {
    "charters_charter": None,
    "charters_charterversion": None,
    "charters_signature": ("withdrawn_at",),
}


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
            for table, columns in UNDELETABLE_TABLES.items():
                statements.append(
                    sql.SQL("REVOKE DELETE, TRUNCATE ON {} FROM {}").format(
                        sql.Identifier(table), ident
                    )
                )
                if columns is not None:
                    statements += [
                        sql.SQL("REVOKE UPDATE ON {} FROM {}").format(sql.Identifier(table), ident),
                        sql.SQL("GRANT UPDATE ({}) ON {} TO {}").format(
                            sql.SQL(", ").join(sql.Identifier(c) for c in columns),
                            sql.Identifier(table),
                            ident,
                        ),
                    ]
            for statement in statements:
                cur.execute(statement)
        done = "created" if verb == "CREATE" else "updated"
        self.stdout.write(
            f"Role {role!r} {done}: it reads and writes the tables {owner!r} owns; "
            f"{', '.join(APPEND_ONLY_TABLES)} append-only and "
            f"{', '.join(UNDELETABLE_TABLES)} undeletable for it."
        )
