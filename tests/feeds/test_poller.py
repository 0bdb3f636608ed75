"""The feed poller against a local HTTP server whose feeds change between polls."""

from __future__ import annotations

import time

import pytest

import newsdesk
from newsdesk.errors import BadParameter, NewsdeskError

from ..conftest import run_cli
from .localhttp import Route, feed_server, item


@pytest.fixture
def server():
    with feed_server() as s:
        yield s


def _poll(desk, **kw):
    kw.setdefault("host_spacing", 0.0)
    kw.setdefault("timeout", 5.0)
    return {r.name: r for r in desk.follow.poll(**kw)}


def test_new_items_then_304_then_only_the_new_ones(desk, server):
    server.routes["/feed.xml"] = Route(items=[item(1), item(2), item(3)])
    desk.follow.add_feed(server.base + "/feed.xml", name="local", every="1m")
    first = _poll(desk)["local"]
    assert (first.status, first.seen, first.new, first.conditional) == (200, 3, 3, False)
    assert desk.count() == 3

    again = _poll(desk)["local"]  # nothing changed: the ETag comes back, the server says 304
    assert (again.status, again.new, again.conditional) == (304, 0, True)
    assert server.hits("/feed.xml")[-1].headers["if-none-match"]
    assert server.hits("/feed.xml")[-1].headers["if-modified-since"]

    server.routes["/feed.xml"].items += [item(4), item(5)]
    third = _poll(desk)["local"]
    assert (third.status, third.seen, third.new, third.conditional) == (200, 5, 2, True)
    assert desk.count() == 5
    health = desk.follow.feeds()[0]
    assert (health["state"], health["items_seen"], health["new_items"], health["total_new"]) == (
        "ok",
        5,
        2,
        5,
    )
    assert health["title"] == "Local Test Feed"
    assert [f["status"] for f in desk.follow.feed("local")["fetches"]] == [200, 304, 200]


def test_a_failing_feed_backs_off_and_recovers(desk, server):
    server.routes["/feed.xml"] = Route(mode="error", status=500, items=[item(1)])
    desk.follow.add_feed(server.base + "/feed.xml", name="flaky", every="60s")
    before = time.time()
    r = _poll(desk)["flaky"]
    assert (r.status, r.new) == (500, 0) and "HTTP 500" in r.error
    h = desk.follow.feeds()[0]
    assert (h["state"], h["errors"]) == ("failing", 1)
    assert h["due_in_s"] >= 0.8 * 60 - (time.time() - before) - 1  # backoff >= every (jittered)

    assert _poll(desk) == {}  # backing off: a plain poll leaves it alone
    r = _poll(desk, force=True)["flaky"]
    assert desk.follow.feeds()[0]["errors"] == 2  # 2 in a row: the next wait doubles
    assert 0.8 * 120 - 2 <= desk.follow.feeds()[0]["due_in_s"] <= 1.2 * 120 + 1

    server.routes["/feed.xml"].mode = "feed"
    r = _poll(desk, force=True)["flaky"]
    assert (r.status, r.new, r.error) == (200, 1, "")
    assert (desk.follow.feeds()[0]["errors"], desk.follow.feeds()[0]["state"]) == (0, "ok")


def test_redirects_are_followed_and_recorded(desk, server):
    server.routes["/old.xml"] = Route(mode="redirect", target="/new.xml")
    server.routes["/new.xml"] = Route(items=[item(1), item(2)])
    desk.follow.add_feed(server.base + "/old.xml", name="moved")
    r = _poll(desk)["moved"]
    assert (r.status, r.new) == (200, 2)
    h = desk.follow.feeds()[0]
    assert h["final_url"] == server.base + "/new.xml"
    assert h["redirects"] == [[301, server.base + "/new.xml"]]
    r = _poll(desk)["moved"]  # the conditional headers survive the redirect
    assert r.status == 304
    assert server.hits("/new.xml")[-1].headers.get("if-none-match")


@pytest.mark.parametrize("mode, reason", [("html", "HTML page"), ("garbage", "not a feed")])
def test_a_feed_that_turns_into_html_or_garbage_is_rejected_and_retried(desk, server, mode, reason):
    server.routes["/feed.xml"] = Route(items=[item(1)])
    desk.follow.add_feed(server.base + "/feed.xml", name="turned")
    assert _poll(desk)["turned"].new == 1
    server.routes["/feed.xml"].mode = mode
    r = _poll(desk, force=True)["turned"]
    assert reason in r.error and r.new == 0
    assert "\n" not in r.error
    h = desk.follow.feeds()[0]
    assert (h["state"], h["errors"], h["status"]) == ("failing", 1, 200)
    server.routes["/feed.xml"].mode = "feed"
    server.routes["/feed.xml"].items.append(item(2))
    r = _poll(desk, force=True)["turned"]
    assert (r.new, r.error) == (1, "")


def test_a_slow_feed_times_out_and_a_huge_one_is_capped(desk, server):
    server.routes["/slow.xml"] = Route(mode="slow", delay=2.0, items=[item(1)])
    server.routes["/big.xml"] = Route(mode="big")
    desk.follow.add_feed(server.base + "/slow.xml", name="slow")
    desk.follow.add_feed(server.base + "/big.xml", name="big")
    started = time.monotonic()
    results = _poll(desk, timeout=0.5, max_bytes=50_000)
    assert time.monotonic() - started < 1.9
    assert "timed out" in results["slow"].error
    assert "too big" in results["big"].error
    assert desk.count() == 0


def test_per_host_spacing_and_hosts_in_parallel(desk):
    with feed_server() as a, feed_server() as b:
        for s in (a, b):
            for n in range(4):
                s.routes[f"/f{n}.xml"] = Route(items=[item(n)])
                desk.follow.add_feed(s.base + f"/f{n}.xml", name=f"{s.port}-{n}")
        started = time.monotonic()
        results = desk.follow.poll(host_spacing=0.25, concurrency=4, timeout=5)
        wall = time.monotonic() - started
        assert len(results) == 8 and all(r.ok for r in results)
        for s in (a, b):
            times = sorted(r.at for r in s.requests)
            gaps = [y - x for x, y in zip(times, times[1:], strict=False)]
            assert min(gaps) >= 0.24, gaps
        assert wall < 3 * 0.25 * 2  # the two hosts went side by side, not one after the other


def test_feed_names_urls_and_durations_are_checked(desk, server):
    with pytest.raises(BadParameter, match="duration"):
        desk.follow.add_feed(server.base + "/x.xml", every="soon")
    with pytest.raises(BadParameter, match="http"):
        desk.follow.add_feed("ftp://example.org/feed")
    desk.follow.add_feed(server.base + "/x.xml", every="2h")
    with pytest.raises(NewsdeskError, match="already following"):
        desk.follow.add_feed(server.base + "/x.xml")
    assert desk.follow.feeds()[0]["every"] == "2h"
    assert desk.follow.remove_feed(desk.follow.feeds()[0]["name"])["url"] == server.base + "/x.xml"
    assert desk.follow.feeds() == []


def test_opml_import_export_round_trip(tmp_path):
    opml = tmp_path / "subs.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="1.0"><head><title>mine</title></head><body>'
        '<outline text="News"><outline text="Alpha" type="rss" xmlUrl="http://127.0.0.1:9/a.xml"/>'
        '<outline title="Beta" text="b" type="rss" xmlUrl="http://127.0.0.1:9/b.xml"/></outline>'
        '<outline text="not a feed"/></body></opml>'
    )
    with newsdesk.open(tmp_path / "d1") as d1:
        done = d1.follow.import_opml(opml, every="30m")
        assert len(done["added"]) == 2 and done["skipped"] == []
        assert len(d1.follow.import_opml(opml)["skipped"]) == 2  # a second import adds nothing
        exported = d1.follow.export_opml()
    (tmp_path / "out.opml").write_text(exported)
    with newsdesk.open(tmp_path / "d2") as d2:
        d2.follow.import_opml(tmp_path / "out.opml")
        assert sorted((f["name"], f["url"]) for f in d2.follow.feeds()) == [
            ("Alpha", "http://127.0.0.1:9/a.xml"),
            ("Beta", "http://127.0.0.1:9/b.xml"),
        ]
    bad = tmp_path / "bad.opml"
    bad.write_text("<opml><body><outline")
    with pytest.raises(NewsdeskError, match=r"bad.opml:1:\d+: not OPML"):
        newsdesk.open(tmp_path / "d3").follow.import_opml(bad)


def test_cli_second_poll_ingests_exactly_the_two_new_items_with_a_conditional_request(tmp_path, server):
    """Acceptance: feeds add --every 1m, poll twice while the feed gains two items."""
    server.routes["/feed.xml"] = Route(items=[item(1), item(2), item(3)])
    data = tmp_path / "data"
    r = run_cli("feeds", "add", server.base + "/feed.xml", "--every", "1m", data=data)
    assert r.returncode == 0, r.stderr
    r = run_cli("poll", data=data)
    assert r.returncode == 0, r.stderr
    assert "3 items, 3 new" in r.stdout
    server.routes["/feed.xml"].items += [item(4), item(5)]
    r = run_cli("poll", data=data)
    assert r.returncode == 0, r.stderr
    assert "5 items, 2 new (conditional request)" in r.stdout
    assert "if-none-match" in server.hits("/feed.xml")[-1].headers
    with newsdesk.open(data) as d:
        assert d.count() == 5
    listing = run_cli("feeds", "list", data=data).stdout
    assert "HTTP 200" in listing and "5 items, 2 new" in listing


def test_a_busy_desk_is_not_the_feeds_fault(tmp_path, server):
    """Another process holds the write lock: poll says so, and no feed is marked failing."""
    server.routes["/feed.xml"] = Route(items=[item(1)])
    with newsdesk.open(tmp_path / "data") as d:
        d.follow.add_feed(server.base + "/feed.xml", name="local")
    holder = newsdesk.open(tmp_path / "data")
    try:
        with holder.writing():
            r = run_cli("poll", data=tmp_path / "data")
            assert r.returncode == 1 and "being written" in r.stderr
    finally:
        holder.close()
    with newsdesk.open(tmp_path / "data") as d:
        assert d.follow.feeds()[0]["errors"] == 0 and d.follow.feeds()[0]["state"] == "new"
        assert [x.new for x in d.follow.poll(host_spacing=0)] == [1]


def test_fetch_pages_are_spaced_like_feeds(desk, server):
    """--fetch-pages: the article pages on the feed's host wait their turn too."""
    items = []
    for n in range(3):
        it = item(n)
        it["link"] = f"{server.base}/story/{n}"
        server.routes[f"/story/{n}"] = Route(mode="page")
        items.append(it)
    server.routes["/feed.xml"] = Route(items=items)
    desk.follow.add_feed(server.base + "/feed.xml", name="pages", fetch_pages=True)
    [r] = desk.follow.poll(host_spacing=0.2, timeout=5)
    assert (r.new, r.error) == (3, "")
    times = sorted(x.at for x in server.requests)
    assert len(times) == 4
    assert min(b - a for a, b in zip(times, times[1:], strict=False)) >= 0.19
    assert "Paragraph 11 of the full story" in desk.get(desk.search("story", limit=1).hits[0].id).body
