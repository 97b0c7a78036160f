"""Database guards for web processes."""
from __future__ import annotations

from django.conf import settings
from django.db.backends.signals import connection_created


def limit_statement_time(sender=None, connection=None, **kwargs) -> None:
    """PostgreSQL cancels any statement of this connection after settings.WEB_STATEMENT_TIMEOUT_MS."""
    timeout = settings.WEB_STATEMENT_TIMEOUT_MS
    if connection is not None and connection.vendor == "postgresql" and timeout > 0:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, false)", [f"{int(timeout)}ms"])


def limit_web_statements() -> None:
    """Called by the WSGI app (gunicorn, runserver): every connection a web process opens gets the
    statement timeout; workers and management commands (bulk re-tagging, migrations) do not."""
    connection_created.connect(limit_statement_time, dispatch_uid="phongtro-web-statement-timeout")
