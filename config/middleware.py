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
