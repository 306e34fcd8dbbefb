"""Views of the API that belong to no app: the token endpoint."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()


class TokenView(ObtainAuthToken):
    """POST username and password, get the user's API token; then send `Authorization: Token <token>`.

    Sign-in failures count towards django-axes' lockout like those of the login page: a locked-out
    user gets the same 400 as for a wrong password until the cool-off time has passed.
    """

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: TokenResponseSerializer},
        auth=[],
        tags=["auth"],
        operation_id="auth_token_create",
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)
