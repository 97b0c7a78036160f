#!/usr/bin/env python3
"""container_smoke.py BASE_URL: a landlord posts a room with a photo to a running stack and waits
for the worker's suggestions, over HTTP only (standard library); one line per step, exit 1 on a
failure.  Run by scripts/container_check.sh against the compose stack.

  python3 scripts/container_smoke.py http://127.0.0.1:8000 [--timeout 300]
"""
import argparse
import base64
import http.cookiejar
import json
import re
import sys
import time
import urllib.error
import urllib.request
import uuid

# A 64x48 JPEG made for this check (a room-coloured gradient): the form takes real JPEGs only.
PHOTO = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAUDBAQEAwUEBAQFBQUGBwwIBwcHBw8LCwkMEQ8SEhEPERETFhwXExQaFRERGCEYGh0d"
    "Hx8fExciJCIeJBweHx7/2wBDAQUFBQcGBw4ICA4eFBEUHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4e"
    "Hh4eHh4eHh7/wAARCAAwAEADASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUF"
    "BAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVW"
    "V1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi"
    "4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAEC"
    "AxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVm"
    "Z2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq"
    "8vP09fb3+Pn6/9oADAMBAAIRAxEAPwD0bdRvqvvpd9fLRie1zFjdS76rb6XfW0Yi5izvo31X30u+toxFzFjfS76rbqXfW8Yi5ilv"
    "pd1V99LvrkjEz5ixvpd1Vt9LvreMRcxY30u+q++jdW0Yi5izvpd9Vt9LuraMRcx5dVqqtWq+dmfS0OpVq1VWrVEwodSrVqqtWqJh"
    "Q6lWrVVatUTCh1P/2Q==")


class Session:
    def __init__(self, base: str):
        self.base = base.rstrip("/")

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  NoRedirect())

    def get(self, path: str, data: bytes | None = None, headers: dict | None = None):
        url = self.base + path
        try:
            with self.opener.open(urllib.request.Request(url, data, {"Referer": url, **(headers or {})}),
                                  timeout=60) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def token(self, path: str) -> str:
        m = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', self.get(path)[2])
        return m.group(1).decode() if m else ""

    def post(self, path: str, fields: dict, files=()):
        b = uuid.uuid4().hex
        body = b"".join(f'--{b}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                        for k, v in fields.items())
        for name, filename, content in files:
            body += (f'--{b}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: image/jpeg\r\n\r\n").encode() + content + b"\r\n"
        return self.get(path, body + f"--{b}--\r\n".encode(), {"Content-Type": f"multipart/form-data; boundary={b}"})


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("base_url")
    ap.add_argument("--timeout", type=float, default=300)
    args = ap.parse_args()
    s, failures = Session(args.base_url), []

    def step(name: str, ok: bool, detail: str = "") -> bool:
        print(f"{'ok  ' if ok else 'FAIL'} {name}" + (f": {detail}" if detail else ""), flush=True)
        if not ok:
            failures.append(name)
        return ok

    status, _, body = s.get("/ready")
    step("/ready", status == 200, body.decode(errors="replace")[:200])
    user, password = f"kiemtra{uuid.uuid4().hex[:8]}", f"Mat-khau-{uuid.uuid4().hex[:10]}"
    status, headers, _ = s.post("/dang-ky/", {"csrfmiddlewaretoken": s.token("/dang-ky/"), "username": user,
                                              "password1": password, "password2": password})
    if not step("a landlord signs up", status == 302, f"{status} -> {headers.get('Location')}"):
        return 1
    posted = time.monotonic()
    status, headers, body = s.post("/phong/dang-tin/", {
        "csrfmiddlewaretoken": s.token("/phong/dang-tin/"), "title": "Phòng trọ có máy lạnh, ban công",
        "description": "Phòng mới, có máy lạnh, ban công, wifi miễn phí, giờ giấc tự do, gần chợ.",
        "room_type": "phong_tro", "price": "3tr5", "area": "20", "address": "12 Đường Số 3",
        "district": "Quận 1", "city": "TP. Hồ Chí Minh"}, [("photos", "phong.jpg", PHOTO)])
    room = re.search(r"/phong/(\d+)/", headers.get("Location", "") or "")
    if not step("posts a room with a photo", status == 302 and bool(room), f"{status} -> {headers.get('Location')}"):
        print(body.decode(errors="replace")[:600])
        return 1
    room_id, state = int(room.group(1)), {}
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        code, _, raw = s.get(f"/phong/{room_id}/dac-diem/trang-thai")
        state = json.loads(raw) if code == 200 else {}
        if state.get("finished"):
            break
        time.sleep(0.5)
    waited = time.monotonic() - posted
    step("the worker's suggestions", state.get("status") == "done", f"{state} after {waited:.1f} s")
    code, _, raw = s.get(f"/api/jobs/{state.get('job')}/")
    job = json.loads(raw) if code == 200 else {}
    step("the job", job.get("suggestions", 0) > 0 and job.get("mode") == "multimodal",
         f"{job.get('suggestions')} suggestions, {job.get('mode')}, {job.get('duration_ms')} ms, {job.get('model_version')}")
    print(json.dumps({"room": room_id, "upload_to_suggestions_s": round(waited, 2), "job": job}))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
