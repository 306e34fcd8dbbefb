"""API authentication. Kept apart from api.py: DRF imports it while its own views module loads."""

from rest_framework import authentication, exceptions


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, refusing malformed keys before they reach PostgreSQL (a NUL
    byte in the header made the lookup raise DataError: a 500 instead of a 401)."""

    def authenticate_credentials(self, key):
        if not (key.isascii() and key.isalnum()):
            raise exceptions.AuthenticationFailed("令牌无效。")
        return super().authenticate_credentials(key)
