"""Where a group-robot post may go: public addresses only, checked when the URL is saved and again at
send time on the addresses the host resolves to (the post then goes to the address checked, so a
DNS answer that changes in between cannot redirect it), and never following a redirect.

Refused: loopback, private, link-local (169.254.169.254, the cloud metadata service), shared,
reserved, multicast and unspecified addresses, IPv4-mapped IPv6 forms of them, and anything else
that is not globally routable. ``settings.WEBHOOK_ALLOWED_NETWORKS`` (CIDRs, empty by default) lets
an operator, or a test with a receiver on loopback, reach a named network on purpose; plain http is
accepted only there.
"""

import http.client
import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

REFUSED = "机器人地址不能指向本机、内网、链路本地、保留、组播或未指定地址({address})。"
NOT_HTTPS = "机器人地址须为 https 地址。"
NO_HOST = "机器人地址缺少主机名。"


def allowed_networks():
    return [ipaddress.ip_network(cidr, strict=False) for cidr in getattr(settings, "WEBHOOK_ALLOWED_NETWORKS", [])]


def _plain(address):
    """The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d) or 6to4 IPv6 address, else itself."""
    address = ipaddress.ip_address(address)
    if isinstance(address, ipaddress.IPv6Address):
        inner = address.ipv4_mapped or address.sixtofour
        if inner is not None:
            return inner
    return address


def explicitly_allowed(address):
    address = _plain(address)
    return any(address.version == network.version and address in network for network in allowed_networks())


def refusal(address):
    """Why ``address`` may not be posted to, or None when it may."""
    plain = _plain(address)
    if explicitly_allowed(plain):
        return None
    if (
        plain.is_loopback
        or plain.is_private
        or plain.is_link_local
        or plain.is_reserved
        or plain.is_multicast
        or plain.is_unspecified
        or not plain.is_global
    ):
        return REFUSED.format(address=address)
    return None


def _literal(host):
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def resolve(host, port):
    """Every address ``host`` resolves to (an IP literal is its own answer)."""
    literal = _literal(host)
    if literal is not None:
        return [literal]
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]


def check_url(value):
    """Raise ValidationError when ``value`` is not a robot URL we may post to (the save-time check).

    A host name is resolved when it can be; one that does not resolve now is checked again at
    send time, where an unresolvable host is a failed delivery, not a post."""
    parts = urlsplit(value)
    host = parts.hostname
    if not host:
        raise ValidationError(NO_HOST, code="invalid_webhook_url")
    if parts.scheme not in ("https", "http"):
        raise ValidationError(NOT_HTTPS, code="invalid_webhook_url")
    if host.endswith(".localhost"):  # loopback by definition (RFC 6761), though not every resolver knows it
        raise ValidationError(REFUSED.format(address=host), code="invalid_webhook_url")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ValidationError("机器人地址的端口无效。", code="invalid_webhook_url") from None
    try:
        addresses = resolve(host, port)
    except OSError:
        addresses = []
    for address in addresses:
        reason = refusal(address)
        if reason:
            raise ValidationError(reason, code="invalid_webhook_url")
    if parts.scheme == "http" and not (addresses and all(explicitly_allowed(a) for a in addresses)):
        raise ValidationError(NOT_HTTPS, code="invalid_webhook_url")


class Refused(Exception):
    """The target is not one we post to (the message says why)."""


class Redirected(Exception):
    """The robot answered a redirect, which is not followed."""


def post(url, body, *, headers, timeout):
    """POST ``body`` to ``url`` after checking the addresses its host resolves to; connect to the
    checked address; return (status, first 64 KB of the answer). Redirects are not followed."""
    try:
        check_url(url)
    except ValidationError as exc:
        raise Refused(exc.messages[0]) from None
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses = resolve(parts.hostname, port)  # OSError when the name does not resolve
    if not addresses:
        raise OSError(f"{parts.hostname} has no address")
    for address in addresses:
        reason = refusal(address)
        if reason:
            raise Refused(reason)
    pinned = str(addresses[0])
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(parts.hostname, port, timeout=timeout)
    # Connect to the address just checked, not to whatever the name resolves to a moment later (TLS
    # still verifies the certificate against the host name).
    connection._create_connection = lambda _address, *args: socket.create_connection((pinned, port), *args)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        raw = response.read(65536)
    finally:
        connection.close()
    if 300 <= response.status < 400:
        raise Redirected(f"机器人地址返回重定向(HTTP {response.status}),未跟随。")
    return response.status, raw
