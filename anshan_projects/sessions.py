"""Database sessions that ignore malformed session cookies.

Django's database backend looks any cookie value up in PostgreSQL; a value holding a NUL byte
makes psycopg raise DataError, so a forged cookie turned every page into a 500 (found by the
schemathesis run). Django's own keys are 32 lowercase letters and digits: anything else is
treated as no session at all.
"""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore


class SessionStore(DatabaseSessionStore):
    def _validate_session_key(self, key):
        return bool(super()._validate_session_key(key)) and key.isascii() and key.isalnum()
