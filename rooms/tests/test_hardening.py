"""Hardening: account safety, headers, error pages, deployment check."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _fresh_counts():
    from django.core.cache import cache

    cache.clear()


def test_repeated_wrong_passwords_lock_the_account_then_the_right_one_is_refused(client, django_user_model, settings):
    django_user_model.objects.create_user("chutro_khoa", password="mat-khau-dung-123")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(reverse("login"), {"username": "chutro_khoa", "password": "sai-roi"})
        assert response.status_code in (200, 429)
    response = client.post(reverse("login"), {"username": "chutro_khoa", "password": "mat-khau-dung-123"})
    assert response.status_code == 429 and "tạm bị khóa" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_admin_login_locks_too(client, django_user_model, settings):
    django_user_model.objects.create_superuser("quantri_khoa", password="mat-khau-quan-tri-1")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/admin/login/", {"username": "quantri_khoa", "password": "sai"})
    response = client.post("/admin/login/", {"username": "quantri_khoa", "password": "mat-khau-quan-tri-1"})
    assert response.status_code == 429 and "tạm bị khóa" in response.content.decode()


def test_one_success_before_the_limit_resets_the_count(client, django_user_model, settings):
    django_user_model.objects.create_user("chutro_quen", password="mat-khau-dung-123")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(reverse("login"), {"username": "chutro_quen", "password": "sai"})
    ok = client.post(reverse("login"), {"username": "chutro_quen", "password": "mat-khau-dung-123"})
    assert ok.status_code == 302


def test_signups_from_one_address_are_limited(client, db, settings):
    settings.SIGNUP_RATE = "3/h"
    codes = []
    for i in range(5):
        response = client.post(reverse("signup"), {"username": f"chu_tro_{i}", "password1": "mot-mat-khau-rat-dai",
                                                   "password2": "mot-mat-khau-rat-dai"},
                               HTTP_X_FORWARDED_FOR=f"10.0.0.{i}")        # a made-up header changes nothing
        codes.append(response.status_code)
        client.logout()
    assert codes == [302, 302, 302, 429, 429]
    from django.contrib.auth import get_user_model

    assert get_user_model().objects.count() == 3


def test_password_messages_are_vietnamese(client, db):
    response = client.post(reverse("signup"), {"username": "chutro_mk", "password1": "123", "password2": "123"})
    errors = re.findall(r'class="error"[^>]*>(.*?)<', response.content.decode())
    assert response.status_code == 400 and len(errors) >= 2
    assert not any(re.search(r"\b(password|This|too|common|numeric)\b", e) for e in errors), errors


def test_pages_carry_a_content_security_policy(client, db):
    response = client.get(reverse("search"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", response.content.decode())   # no inline script


def test_error_pages_are_vietnamese_and_api_errors_json(client, db, rf):
    page = client.get("/khong-co-dau/")
    assert page.status_code == 404 and "Không tìm thấy trang" in page.content.decode()
    from config.errors import server_error

    assert "Hệ thống gặp lỗi" in server_error(rf.get("/phong/1/")).content.decode()
    api = server_error(rf.get("/api/rooms/"))
    assert api.status_code == 500 and api["Content-Type"] == "application/json"


def test_https_switches_on_hsts_redirect_and_secure_cookies_together():
    env = {**os.environ, "DEBUG": "0", "HTTPS": "1", "SECRET_KEY": "k" * 20 + "Zq8#vP2!mX5@wR9$tY3^uI7&oL1*eN4(",
           "ALLOWED_HOSTS": "phongtro.example", "DATABASE_URL": "sqlite:///:memory:"}
    env.pop("CELERY_BROKER_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)      # set by the browser tests for Playwright, never deployed
    check = subprocess.run([sys.executable, "manage.py", "check", "--deploy"], cwd=REPO, env=env,
                           capture_output=True, text=True, timeout=120)
    assert check.returncode == 0 and "System check identified no issues" in check.stdout, check.stdout + check.stderr
    values = subprocess.run([sys.executable, "-c", "import django; django.setup(); from django.conf import settings as s; "
                             "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, "
                             "s.CSRF_COOKIE_SECURE)"], cwd=REPO, env={**env, "DJANGO_SETTINGS_MODULE": "config.settings.local"},
                            capture_output=True, text=True, timeout=120)
    assert values.stdout.split() == ["True", "31536000", "True", "True"], values.stderr


def test_the_try_page_counts_against_the_api_limit(client, db, settings):
    from django.core.cache import cache

    cache.clear()
    settings.EXTRACT_FEATURES_RATE = "3/min"
    codes = [client.post("/api/extract-features", {"description": "Phòng có wifi"}).status_code for _ in range(2)]
    codes += [client.post(reverse("try_tagger"), {"description": "Phòng có wifi"},
                          HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code for i in range(2)]
    assert codes == [200, 200, 200, 429]
    assert "thử quá nhiều lần" in client.post(reverse("try_tagger"), {"description": "x"}).content.decode()
    cache.clear()
