"""The login lockout's answer (django-axes' AXES_LOCKOUT_CALLABLE), in Vietnamese."""
from __future__ import annotations

from django.conf import settings
from django.shortcuts import render


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
