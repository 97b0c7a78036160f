"""Request checks that protect every view."""
from django.http import HttpResponseBadRequest, JsonResponse


class RejectNulBytes:
    """A NUL character in the query string (``%00``) is refused with 400 before any view runs:
    PostgreSQL cannot store or compare it, so a filter such as ``?q=%00`` would otherwise end in a
    500 deep in the database driver."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any("\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()):
            if request.path.startswith("/api/"):
                return JsonResponse({"success": False, "error": "Tham số chứa ký tự không hợp lệ."}, status=400)
            return HttpResponseBadRequest("Tham số chứa ký tự không hợp lệ.".encode(), content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class LimitRequestSize:
    """Refuse a request whose declared body is too large before anything reads it (413): a
    landlord's post with all its photos for signed-in users, one photo's worth for anyone else.
    The proxy in front should refuse earlier still (docs/deployment.md: client_max_body_size)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings

        from .errors import error_response

        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return error_response(request, 400, "Độ dài dữ liệu gửi lên không hợp lệ.")
        if length > settings.ANON_MAX_REQUEST_BYTES:
            signed_in = getattr(request, "user", None) is not None and request.user.is_authenticated
            limit = settings.MAX_REQUEST_BYTES if signed_in else settings.ANON_MAX_REQUEST_BYTES
            if length > limit:
                return error_response(request, 413, f"Dữ liệu gửi lên quá lớn ({length / 1024 / 1024:.0f} MB; "
                                                    f"tối đa {limit / 1024 / 1024:.0f} MB).")
        return self.get_response(request)


class LimitRequestLine:
    """A URL or header longer than the site ever needs is refused with the site's own answer (414 or
    431; JSON under /api/) before any view reads it.  gunicorn's limits (config/gunicorn.conf.py)
    sit above these, so its own English pages only answer what is larger still, and the proxy in
    front refuses those first (docs: deployment)."""

    MAX_URL_CHARS = 4096
    MAX_HEADER_CHARS = 8192

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from .errors import error_response

        if len(request.META.get("PATH_INFO", "")) + len(request.META.get("QUERY_STRING", "")) > self.MAX_URL_CHARS:
            return error_response(request, 414, f"Địa chỉ (URL) quá dài (tối đa {self.MAX_URL_CHARS} ký tự).")
        if any(k.startswith("HTTP_") and isinstance(v, str) and len(v) > self.MAX_HEADER_CHARS
               for k, v in request.META.items()):
            return error_response(request, 431, "Phần đầu yêu cầu (header) quá lớn.")
        return self.get_response(request)
