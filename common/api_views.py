"""Views of the API that belong to no app: the token endpoint."""

from django.db import transaction
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response

from .authentication import token_expired, token_expires_at
from .limits import AnonThrottle, UserThrottle


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires = serializers.DateTimeField()


class TokenView(ObtainAuthToken):
    """POST username and password, get the user's API token; then send `Authorization: Token <token>`.

    Sign-in failures count towards django-axes' lockout like those of the login page: a locked-out
    user gets the same 400 as for a wrong password until the cool-off time has passed. The token
    expires at `expires` (API_TOKEN_LIFETIME_HOURS); asking again then gives a new one.
    """

    # DRF's ObtainAuthToken opts out of throttling; the sign-in endpoint is the last to deserve that.
    throttle_classes = [AnonThrottle, UserThrottle]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: TokenResponseSerializer},
        auth=[],
        tags=["auth"],
        operation_id="auth_token_create",
    )
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        with transaction.atomic():
            token, _ = Token.objects.select_for_update().get_or_create(user=user)
            if token_expired(token):  # renewal: a new key replaces the expired one
                token.delete()
                token = Token.objects.create(user=user)
        return Response({"token": token.key, "expires": token_expires_at(token)})


@csrf_exempt  # it changes nothing: any method on an unknown path is the same JSON 404 (as DRF's, not a CSRF 403)
def api_not_found(request, *args, **kwargs):
    """Unknown API paths (and ids that are not ASCII digits): the same JSON 404 body DRF gives for a
    missing object."""
    from django.http import JsonResponse

    return JsonResponse({"detail": "未找到。"}, status=404)
