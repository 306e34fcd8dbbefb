"""API authentication. Kept apart from api.py: DRF imports it while its own views module loads.

Tokens expire API_TOKEN_LIFETIME_HOURS after they were issued (DRF's Token records ``created`` but
never expires it; django-rest-knox would, but replaces the token model and the sign-in contract
every client and test uses, so this small subclass does it on DRF's own table). An expired token is
a 401 naming the way to renew: POST username and password to /api/v1/auth/token/ again, which
issues a new token in place of the expired one."""

import datetime

from django.conf import settings
from django.utils import timezone
from rest_framework import authentication, exceptions

EXPIRED = "令牌已过期,请重新获取(POST /api/v1/auth/token/)。"


def token_expires_at(token):
    return token.created + datetime.timedelta(hours=settings.API_TOKEN_LIFETIME_HOURS)


def token_expired(token, *, now=None):
    return (now or timezone.now()) >= token_expires_at(token)


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, refusing malformed keys before they reach PostgreSQL (a NUL
    byte in the header made the lookup raise DataError: a 500 instead of a 401), and expired ones."""

    def authenticate_credentials(self, key):
        if not (key.isascii() and key.isalnum()):
            raise exceptions.AuthenticationFailed("令牌无效。")
        user, token = super().authenticate_credentials(key)
        if token_expired(token):
            raise exceptions.AuthenticationFailed(EXPIRED)
        return user, token
