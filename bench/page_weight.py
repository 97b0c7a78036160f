"""What a renter's phone downloads and waits for: the search page with 12 cards and a room page,
first visit, in Chromium under DevTools' "Slow 4G" network profile and a 4x slower CPU.

    python bench/page_weight.py [--json] [--rooms 12] [--photo-size 4000x3000]

Starts the production stack of ``bench/stack.py`` (gunicorn, DEBUG=0, static files hashed and
compressed by whitenoise, uploads served with a year's Cache-Control) on a throwaway PostgreSQL
database with one Celery worker; a landlord posts ``--rooms`` rooms through the site, each with a
camera-like photo.  Then Playwright drives Debian's Chromium (390x844 at 2x, a phone) through the
Chrome DevTools Protocol: the network throttled as DevTools' "Slow 4G" preset throttles it (562.5 ms
latency, 1.44 Mbit/s down, 675 kbit/s up), the CPU 4x slower, the cache empty.  For each page:
bytes transferred (the encoded size of every response), Largest Contentful Paint, Total Blocking
Time (long tasks' time beyond 50 ms after First Contentful Paint), Cumulative Layout Shift, and how
many images loaded.  Targets (issue "Ship it small"): search page <= 300 KB, LCP <= 2.5 s.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from stack import Browser, CameraLikePhotos, ProductionStack  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
# DevTools' "Slow 4G" preset (Chrome 120+, formerly "Fast 3G"): what DevTools applies.
SLOW_4G = {"offline": False, "latency": 562.5, "downloadThroughput": 1.6e6 * 0.9 / 8,
           "uploadThroughput": 750e3 * 0.9 / 8}
CPU_SLOWDOWN = 4

OBSERVE = """
window.__perf = {lcp: 0, cls: 0, longTasks: [], fcp: 0};
new PerformanceObserver(l => { for (const e of l.getEntries()) window.__perf.lcp = e.startTime; })
  .observe({type: 'largest-contentful-paint', buffered: true});
new PerformanceObserver(l => { for (const e of l.getEntries()) if (!e.hadRecentInput) window.__perf.cls += e.value; })
  .observe({type: 'layout-shift', buffered: true});
new PerformanceObserver(l => { for (const e of l.getEntries()) window.__perf.longTasks.push([e.startTime, e.duration]); })
  .observe({type: 'longtask', buffered: true});
new PerformanceObserver(l => { for (const e of l.getEntries()) if (e.name === 'first-contentful-paint') window.__perf.fcp = e.startTime; })
  .observe({type: 'paint', buffered: true});
"""


def post_rooms(stack: ProductionStack, n: int, photo_size: tuple[int, int]) -> list[int]:
    browser = Browser(stack.url)
    token = browser.csrf("/dang-ky/")
    status, _, _ = browser.post_form("/dang-ky/", {"csrfmiddlewaretoken": token, "username": "chu-tro-nang",
                                                   "password1": "Mat-khau-dai-123!", "password2": "Mat-khau-dai-123!"})
    if status != 302:
        raise RuntimeError(f"sign-up: {status}")
    photos = CameraLikePhotos(*photo_size)
    descriptions = ["Phòng có máy lạnh, wifi, gần trường đại học, giờ giấc tự do",
                    "Căn hộ mini ban công, thang máy, bảo vệ 24/24, máy giặt riêng",
                    "Phòng gác lửng, WC riêng, chỗ để xe, gần chợ", "Ở ghép ký túc xá, máy giặt chung, giá rẻ"]
    rooms = []
    for i in range(n):
        token = browser.csrf("/phong/dang-tin/")
        status, headers, body = browser.post_form("/phong/dang-tin/", {
            "csrfmiddlewaretoken": token, "title": f"Phòng trọ số {i + 1} quận {1 + i % 12}",
            "description": descriptions[i % 4], "price": f"{2 + i % 5}tr5", "area": str(15 + i % 20),
            "address": f"{i + 1} Đường Số {i % 30}", "district": f"Quận {1 + i % 12}", "city": "TP. Hồ Chí Minh"},
            [("photos", f"phong{i}.jpg", photos.make(i))])
        m = re.search(r"/phong/(\d+)/", headers.get("Location", ""))
        if status != 302 or not m:
            raise RuntimeError(f"post {i}: {status} {body[:300]!r}")
        rooms.append(int(m.group(1)))
    return rooms


def measure(playwright, url: str) -> dict:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"])
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="vi-VN",
                                  user_agent="Mozilla/5.0 (Linux; Android 13; SM-A536E) AppleWebKit/537.36 "
                                             "(KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36")
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})          # a first visit
    cdp.send("Network.emulateNetworkConditions", SLOW_4G)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    sizes, kinds = {}, {}
    cdp.on("Network.responseReceived", lambda e: kinds.__setitem__(e["requestId"], e["type"]))
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
    page.add_init_script(OBSERVE)
    started = time.monotonic()
    page.goto(url, wait_until="load", timeout=120_000)
    page.wait_for_load_state("networkidle", timeout=120_000)
    page.wait_for_timeout(1500)                                  # late layout shifts and long tasks
    perf = page.evaluate("window.__perf")
    fcp = perf["fcp"]
    tbt = sum(max(0.0, d - 50) for start, d in perf["longTasks"] if start >= fcp)
    by_kind: dict[str, int] = {}
    for rid, size in sizes.items():
        kind = kinds.get(rid, "Other")
        by_kind[kind] = by_kind.get(kind, 0) + size
    images = page.evaluate("[...document.images].filter(i => i.complete && i.naturalWidth).length")
    result = {"url": url, "bytes": sum(sizes.values()), "kb": round(sum(sizes.values()) / 1024, 1),
              "bytes_by_type": by_kind, "requests": len(sizes), "images_loaded": images,
              "fcp_ms": round(fcp), "lcp_ms": round(perf["lcp"]), "tbt_ms": round(tbt),
              "cls": round(perf["cls"], 4), "wall_s": round(time.monotonic() - started, 1)}
    browser.close()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rooms", type=int, default=12)
    parser.add_argument("--photo-size", default="4000x3000", help="the camera photos' size, WxH")
    parser.add_argument("--json", action="store_true", help="print exactly one JSON object on stdout")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    width, height = (int(x) for x in args.photo_size.split("x"))
    with ProductionStack(workers=1) as stack:
        rooms = post_rooms(stack, args.rooms, (width, height))
        with sync_playwright() as p:
            search = measure(p, stack.url + "/?sap_xep=moi_nhat")
            room = measure(p, f"{stack.url}/phong/{rooms[-1]}/")
    out = {"network": "DevTools Slow 4G (562.5 ms, 1.44 Mbit/s down, 675 kbit/s up)", "cpu_slowdown": CPU_SLOWDOWN,
           "viewport": "390x844 @2x", "rooms": args.rooms, "photo_size": args.photo_size,
           "search": search, "room": room,
           "targets": {"search_kb_max": 300, "lcp_ms_max": 2500},
           "meets_targets": search["kb"] <= 300 and search["lcp_ms"] <= 2500}
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
    else:
        for name in ("search", "room"):
            r = out[name]
            print(f"{name:<7} {r['kb']:>7} KB in {r['requests']} requests ({r['images_loaded']} images), "
                  f"FCP {r['fcp_ms']} ms, LCP {r['lcp_ms']} ms, TBT {r['tbt_ms']} ms, CLS {r['cls']}")
        print(f"targets (search page <= 300 KB, LCP <= 2.5 s): {'met' if out['meets_targets'] else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
