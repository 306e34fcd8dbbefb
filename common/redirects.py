"""The one check for a redirect target taken from the request (``next``): Django's own
``url_has_allowed_host_and_scheme``, which refuses ``//other.host``, ``/\\other.host``, other schemes
and other hosts (a ``startswith("/")`` test let ``//other.host/`` through). Every view that follows a
``next`` calls ``next_url``; tests/security/test_open_redirect.py posts hostile targets to all of them."""

from django.utils.http import url_has_allowed_host_and_scheme


def next_url(request, default):
    """The ``next`` of the request (POST, then GET) when it stays on this site, else ``default``.
    Over https the target must be https too (as Django's LoginView does)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
