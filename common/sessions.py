"""Database sessions, read through the cache, that ignore malformed session cookies.

Sessions live in PostgreSQL (the record of who is signed in survives a Redis outage); a copy is
kept in the shared cache (``cached_db``), so a signed-in request usually reads its session without
a database query. When Redis is down, reads fall back to PostgreSQL (the cache ignores the errors).

Django's database backend looks any cookie value up in PostgreSQL; a value holding a NUL byte
makes psycopg raise DataError, so a forged cookie turned every page into a 500 (found by the
schemathesis run). Django's own keys are 32 lowercase letters and digits: anything else is
treated as no session at all.
"""

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDatabaseSessionStore


class SessionStore(CachedDatabaseSessionStore):
    def _validate_session_key(self, key):
        return bool(super()._validate_session_key(key)) and key.isascii() and key.isalnum()
