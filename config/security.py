"""Who is asking, and how often: the client address behind the trusted proxies, rate limits in
the shared cache, and the login lockout's answer."""
from __future__ import annotations

import ipaddress
import logging

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render

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


def lockout_response(request, credentials, *args, **kwargs):
    """django-axes: the answer to a login attempt on a locked username, in Vietnamese (429)."""
    minutes = int(round(float(settings.AXES_COOLOFF_TIME) * 60))
    message = (f"Tài khoản này tạm bị khóa vì nhập sai mật khẩu quá nhiều lần. "
               f"Vui lòng thử lại sau {minutes} phút.")
    if request.path.startswith("/api/"):
        from django.http import JsonResponse

        return JsonResponse({"success": False, "error": message}, status=429)
    template = "admin/login.html" if request.path.startswith("/admin/") else "registration/login.html"
    from django.contrib.auth.forms import AuthenticationForm

    form = AuthenticationForm(request)
    return render(request, template, {"form": form, "lockout_message": message, "site_header": "Quản trị Phòng Trọ AI"},
                  status=429)
