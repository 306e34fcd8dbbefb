"""Exposure and limits: who may read /metrics, how large a request body may be, how fast the API
may be called. Settings (all with defaults in settings/base.py) decide; README "Reliability and
security" says how to set them in production."""

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpResponseForbidden, JsonResponse
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


# --- /metrics ----------------------------------------------------------------------------------------
def metrics_allowed(request):
    """A bearer token equal to METRICS_TOKEN, or a peer address in METRICS_ALLOWED_NETWORKS. Neither
    set (the production default): closed. The peer is REMOTE_ADDR, never a forwarded header, which a
    client could write."""
    token = getattr(settings, "METRICS_TOKEN", "")
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].strip(), token):
        return True
    networks = getattr(settings, "METRICS_ALLOWED_NETWORKS", [])
    if networks:
        try:
            peer = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
        except ValueError:
            return False
        return any(peer in ipaddress.ip_network(cidr, strict=False) for cidr in networks)
    return False


def metrics(request):
    from django_prometheus.exports import ExportToDjangoView

    if not metrics_allowed(request):
        return HttpResponseForbidden("metrics: token or allowed network required\n", content_type="text/plain")
    return ExportToDjangoView(request)


# --- request bodies --------------------------------------------------------------------------------------
class BodySizeLimitMiddleware:
    """Refuses (413) a request body larger than DATA_UPLOAD_MAX_MEMORY_SIZE before anything reads it.

    Django checks that limit only when request.body or request.POST is read; DRF's parsers read the
    raw stream and skipped it (a 6 MB JSON body was parsed). Multipart bodies are left to Django's
    multipart parser, which applies the limit to the form fields, and to the upload checks (file
    size by UPLOAD_MAX_BYTES, with a clear message naming the field)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        content_type = request.META.get("CONTENT_TYPE", "")
        if limit is not None and not content_type.startswith("multipart/form-data"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                message = f"请求体过大:上限 {limit // (1024 * 1024)} MB。"
                return JsonResponse({"detail": message}, status=413, json_dumps_params={"ensure_ascii": False})
        return self.get_response(request)


# --- API throttling ----------------------------------------------------------------------------------
class _RatesFromSettings:
    """DRF's throttles read their rates once, at import; these read REST_FRAMEWORK's
    DEFAULT_THROTTLE_RATES at each request, so a changed setting (and a test) takes effect."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonThrottle(_RatesFromSettings, AnonRateThrottle):
    """Anonymous calls (the open-data feed, the token endpoint), per client address."""


class UserThrottle(_RatesFromSettings, UserRateThrottle):
    """Signed-in calls, per user."""
