"""Views of the API that belong to no app: the token endpoint."""

from django.views.decorators.csrf import csrf_exempt
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


@csrf_exempt  # it changes nothing: any method on an unknown path is the same JSON 404 (as DRF's, not a CSRF 403)
def api_not_found(request, *args, **kwargs):
    """Unknown API paths (and ids that are not ASCII digits): the same JSON 404 body DRF gives for a
    missing object."""
    from django.http import JsonResponse

    return JsonResponse({"detail": "未找到。"}, status=404)
