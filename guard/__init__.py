"""Who is asking, and how often: the client address behind the trusted proxies, and the one rate
limiter (``allow``: counts in the shared cache), with its face for DRF views (``RateThrottle``).
Below both apps (rooms and tagging use it) and the settings (axes reads the address through
AXES_CLIENT_IP_CALLABLE)."""
from __future__ import annotations

import ipaddress
import logging

from django.conf import settings
from django.core.cache import cache

log = logging.getLogger(__name__)


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or, behind ``settings.TRUSTED_PROXIES`` proxies, the
    address the outermost trusted proxy saw (the client cannot forge it by sending its own
    X-Forwarded-For: only the last TRUSTED_PROXIES entries, which the proxies appended, count)."""
    proxies = settings.TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if hops and _is_address(hops[-min(proxies, len(hops))]):
            return hops[-min(proxies, len(hops))]
    return request.META.get("REMOTE_ADDR", "") or "0.0.0.0"


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def parse_rate(rate: str) -> tuple[int, int]:
    """"5/h" -> (5, 3600); s, m, h, d as DRF writes them."""
    count, period = rate.split("/")
    return int(count), {"s": 1, "m": 60, "h": 3600, "d": 86400}[period[0]]


def allow(scope: str, ident: str, rate: str) -> bool:
    """Count one request of ``ident`` in ``scope``; False once ``rate`` is exceeded in its window.
    Counts live in the shared cache (Redis in production); if the cache is unreachable the
    request is let through and the failure logged (a limit must not take the site down)."""
    limit, window = parse_rate(rate)
    key = f"rate:{scope}:{ident}"
    try:
        cache.add(key, 0, window)
        count = cache.incr(key)
    except Exception:
        log.warning("rate limit %s not counted: cache unreachable", scope, exc_info=True)
        return True
    return count <= limit


def requester(request) -> str:
    """Whom a limit counts: the signed-in user, or the client address when anonymous."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{client_ip(request)}"


def allow_request(scope: str, request, rate_setting: str) -> bool:
    """:func:`allow` for ``request``'s :func:`requester`, at the rate in ``settings.<rate_setting>``."""
    return allow(scope, requester(request), getattr(settings, rate_setting))


class RateThrottle:
    """A DRF throttle (``@throttle_classes([...])``) counted by :func:`allow`, so that an API and
    the pages that share its limit count in one place.  Subclasses set ``scope`` and ``rate_setting``
    (the name of the setting that holds the rate, e.g. "EXTRACT_FEATURES_RATE")."""
    scope: str = ""
    rate_setting: str = ""

    def allow_request(self, request, view) -> bool:
        return allow_request(self.scope, request, self.rate_setting)

    def wait(self):
        return parse_rate(getattr(settings, self.rate_setting))[1]
