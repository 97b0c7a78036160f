"""Error answers: Vietnamese pages for people, JSON for every /api/ path."""
from __future__ import annotations

from django.http import Http404, JsonResponse
from django.shortcuts import render
from rest_framework.views import exception_handler

MESSAGES = {
    400: "Yêu cầu không hợp lệ.",
    403: "Bạn không có quyền làm việc này.",
    404: "Không tìm thấy trang bạn cần.",
    413: "Dữ liệu gửi lên quá lớn.",
    414: "Địa chỉ (URL) quá dài.",
    431: "Phần đầu yêu cầu (header) quá lớn.",
    429: "Bạn gửi quá nhiều yêu cầu; vui lòng thử lại sau ít phút.",
    500: "Hệ thống gặp lỗi. Chúng tôi đã ghi nhận; vui lòng thử lại sau.",
}


def is_api(request) -> bool:
    return request.path.startswith("/api/")


def error_response(request, status: int, message: str | None = None):
    message = message or MESSAGES.get(status, MESSAGES[500])
    if is_api(request):
        return JsonResponse({"success": False, "error": message}, status=status)
    return render(request, "error.html", {"status": status, "message": message}, status=status)


def bad_request(request, exception=None):
    return error_response(request, 400)


def permission_denied(request, exception=None):
    return error_response(request, 403)


def page_not_found(request, exception=None):
    return error_response(request, 404)


def server_error(request):
    if is_api(request):
        return JsonResponse({"success": False, "error": MESSAGES[500]}, status=500)
    # No template context processors or database here: the error may be the database itself.
    from django.template import loader
    from django.http import HttpResponseServerError

    return HttpResponseServerError(loader.get_template("500.html").render())


def csrf_failure(request, reason=""):
    return error_response(request, 403, "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. "
                                        "Vui lòng tải lại trang và thử lại.")


def _api_message(exc) -> str:
    from rest_framework import exceptions as drf

    if isinstance(exc, drf.Throttled):
        wait = f" sau {int(exc.wait) + 1} giây" if exc.wait else " sau"
        return f"Bạn gửi quá nhiều yêu cầu; vui lòng thử lại{wait}."
    if isinstance(exc, drf.UnsupportedMediaType):
        return "Định dạng dữ liệu không được hỗ trợ; hãy gửi multipart/form-data."
    if isinstance(exc, drf.ParseError):
        return "Không đọc được dữ liệu gửi lên."
    if isinstance(exc, drf.NotAuthenticated):
        return "Bạn cần đăng nhập."
    if isinstance(exc, drf.PermissionDenied):
        return MESSAGES[403]
    if isinstance(exc, (drf.NotFound, Http404)) or getattr(exc, "status_code", None) == 404:
        return "Không tìm thấy."
    if isinstance(exc, drf.MethodNotAllowed):
        return "Phương thức này không được hỗ trợ ở đây."
    if isinstance(exc, drf.ValidationError):
        return "Dữ liệu không hợp lệ."
    return MESSAGES.get(getattr(exc, "status_code", 400), "Yêu cầu không hợp lệ.")


def api_exception_handler(exc, context):
    """DRF's answers, always ``{"success": false, "error": <Vietnamese>}``; field errors stay
    under ``errors`` (a search filter's own Vietnamese messages, for instance)."""
    response = exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    body = {"success": False, "error": _api_message(exc)}
    if isinstance(data, dict) and "detail" not in data:
        body["errors"] = data
    response.data = body
    return response
