"""Take the docs screenshots with Debian's Chromium against a running `newsdesk serve`.

    newsdesk --data DIR serve --port 8765 &
    python docs/screenshots.py http://127.0.0.1:8765

DIR should hold the Reuters articles and ../shared/seed/, enriched (`newsdesk
enrich`), so the article and entity pages show entities and quotes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from urllib.parse import quote
from urllib.request import urlopen

from playwright.sync_api import sync_playwright

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
HERE = Path(__file__).parent


def main(base: str) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(f"{base}/?q=jeff+sessions")
        page.screenshot(path=str(HERE / "screenshot-search.png"), full_page=False)
        page.goto(f"{base}/timeline?q=coffee&interval=month")
        page.screenshot(path=str(HERE / "screenshot-timeline.png"), full_page=False)
        with urlopen(f"{base}/api/search?q=jeff+sessions&limit=1&facets=false") as resp:
            seed_id = json.load(resp)["results"][0]["id"]
        page.goto(f"{base}/articles/{seed_id}?q=jeff+sessions")
        page.screenshot(path=str(HERE / "screenshot-article.png"), full_page=False)
        page.goto(f"{base}/entities/{quote('Jeff Sessions')}")
        page.screenshot(path=str(HERE / "screenshot-entity.png"), full_page=False)
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{base}/?q=jeff+sessions")
        page.screenshot(path="/tmp/newsdesk-phone.png")
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8765")
