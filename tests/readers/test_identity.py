"""What makes two records one article (docs/explanation/identity.md), on real desks.

Each case is one of issue 12's: items that share a link are not merged, a
re-ingest adds nothing, tracking variants stay one article, and ids of
articles already in old desks do not change for inputs handled right before.
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import json
import shutil
from pathlib import Path

import pytest

import newsdesk
from newsdesk.model import Record

from ..conftest import DATA, REUTERS, SEED, needs_shared


def old_url_id(url: str) -> str:
    """The id recipe of every release before this one, for an article with a URL."""
    return hashlib.sha256(("url\0" + url).encode()).hexdigest()[:16]


def rss(items: str, title: str = "Pod") -> str:
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>{items}</channel></rss>'


def podcast(tmp_path: Path, episodes: int = 130) -> Path:
    items = "".join(
        f"<item><title>Episode {i}</title><link>https://pod.example.com/show</link>"
        f'<guid isPermaLink="false">pod-ep-{i}</guid><description>Notes for episode {i}.</description></item>'
        for i in range(1, episodes + 1)
    )
    path = tmp_path / "podcast.rss"
    path.write_text(rss(items))
    return path


def test_podcast_130_episodes_sharing_one_link_store_130_and_reingest_adds_none(desk, tmp_path):
    feed = podcast(tmp_path)
    first = desk.ingest(str(feed))
    assert (first.new, first.present, first.rejected) == (130, 0, 0)
    again = desk.ingest(str(feed))
    assert (again.new, again.present) == (0, 130)
    assert desk.store.count() == 130
    # the first episode keeps the id every earlier release gave the link
    assert desk.get("pod-ep-1").id == old_url_id("https://pod.example.com/show")
    assert len({desk.get(f"pod-ep-{i}").id for i in range(1, 131)}) == 130


def test_podcast_split_over_batches_and_reordered_still_idempotent(desk, tmp_path, monkeypatch):
    import newsdesk.desk as desk_module

    monkeypatch.setattr(desk_module, "BATCH", 7)  # collisions across store batches too
    feed = podcast(tmp_path, 40)
    assert desk.ingest(str(feed)).new == 40
    reordered = tmp_path / "reordered.rss"
    text = feed.read_text()
    head, _, rest = text.partition("<item>")
    items = ["<item>" + i for i in rest.split("<item>")]
    items[-1] = items[-1].replace("</channel></rss>", "")
    reordered.write_text(head + "".join(reversed(items)) + "</channel></rss>")
    again = desk.ingest(str(reordered))
    assert (again.new, again.present) == (0, 40)


def test_old_desk_that_merged_a_podcast_gets_the_missing_episodes_once(desk, tmp_path):
    """A desk written by the old rule holds episode 1 under the link's id; the rest come in, once."""
    one = podcast(tmp_path, 1)
    assert desk.ingest(str(one)).new == 1  # what the old rule kept of the whole feed
    (tmp_path / "full").mkdir()
    full = podcast(tmp_path / "full", 130)
    got = desk.ingest(str(full))
    assert (got.new, got.present) == (129, 1)
    assert desk.ingest(str(full)).new == 0


def test_feed_ids_unchanged_when_guid_is_the_link_or_links_are_distinct(desk):
    desk.ingest(str(DATA / "feeds" / "rss2.xml"))
    desk.ingest(str(DATA / "feeds" / "atom.xml"))
    rows = [desk.get(r[0]) for r in desk.store.db.execute("SELECT id FROM articles")]
    assert rows and all(a.url for a in rows)
    assert all(a.id == old_url_id(a.url) for a in rows)  # no collision: the old id


def test_reuters_and_seed_ids_unchanged_against_a_desk_written_by_round_1(tmp_path):
    """Re-ingesting a round-1 desk's own inputs into a copy of it adds nothing."""
    needs_shared()
    copy = tmp_path / "desk"
    shutil.copytree(DATA / "desk-round1", copy)
    first120 = tmp_path / "r120.jsonl"
    with gzip.open(REUTERS, "rt", encoding="utf-8") as src:
        first120.write_text("".join(itertools.islice(src, 120)), encoding="utf-8")
    with newsdesk.open(copy) as d:
        before = d.store.count()
        got = d.ingest([str(first120), str(SEED)])
        assert (got.new, got.present) == (0, before)


def test_live_blog_fragments_name_distinct_entries(desk, tmp_path):
    blog = tmp_path / "live.jsonl"
    lines = [
        {
            "title": f"Update {i}",
            "body": f"Entry {i} of the live blog.",
            "url": f"https://news.example.com/live#post-{i}",
        }
        for i in range(1, 6)
    ]
    blog.write_text("".join(json.dumps(x) + "\n" for x in lines))
    assert desk.ingest(str(blog)).new == 5
    assert desk.ingest(str(blog)).new == 0
    urls = sorted(r[0] for r in desk.store.db.execute("SELECT url FROM articles"))
    assert urls == [f"https://news.example.com/live#post-{i}" for i in range(1, 6)]


def test_comment_feed_entries_by_fragment(desk, tmp_path):
    items = "".join(
        f"<item><title>Comment by reader {i}</title><link>https://blog.example.com/post-7#comment-{i}</link>"
        f"<description>Comment {i} text.</description></item>"
        for i in range(1, 4)
    )
    feed = tmp_path / "comments.rss"
    feed.write_text(rss(items, "Comments"))
    assert desk.ingest(str(feed)).new == 3
    assert desk.ingest(str(feed)).new == 0


def test_tracking_and_noise_fragment_variants_stay_one_article(desk, tmp_path):
    variants = [
        "https://news.example.com/a/oil-prices?utm_source=rss&utm_medium=feed",
        "https://News.Example.com/a/oil-prices?utm_source=twitter",
        "https://news.example.com/a/oil-prices#comments",
        "https://news.example.com/a/oil-prices#xtor=RSS-3",
        "https://news.example.com:443/a/oil-prices?fbclid=abc",
    ]
    items = "".join(
        f"<item><title>Oil prices rise</title><link>{u.replace('&', '&amp;')}</link>"
        f"<guid>{u.replace('&', '&amp;')}</guid><description>Crude rose.</description></item>"
        for u in variants
    )
    feed = tmp_path / "variants.rss"
    feed.write_text(rss(items, "News"))
    got = desk.ingest(str(feed))
    assert (got.new, got.present) == (1, 4)
    assert desk.store.count() == 1
    only = desk.get(old_url_id("https://news.example.com/a/oil-prices"))
    assert only.url == "https://news.example.com/a/oil-prices"


def test_one_article_through_two_feeds_with_different_guids_is_two_only_if_the_guids_differ(desk, tmp_path):
    """The guid counts: the same link with the same guid in two feeds is one article."""
    item = (
        "<item><title>Storm hits coast</title><link>https://news.example.com/storm</link>"
        "<guid isPermaLink='false'>storm-1</guid><description>Winds.</description></item>"
    )
    (tmp_path / "a.rss").write_text(rss(item, "A"))
    (tmp_path / "b.rss").write_text(rss(item, "B"))
    assert desk.ingest([str(tmp_path / "a.rss"), str(tmp_path / "b.rss")]).new == 1


SITE_ROOT_PAGE = """<!DOCTYPE html><html lang="en"><head><title>{title}</title>
<link rel="canonical" href="https://site.example.com/">{base}
<meta property="og:title" content="{title}"></head><body><article><h1>{title}</h1>
<p>{text} This paragraph is long enough for the extractor to keep it as the main text of the page,
with a second sentence about the council, its budget and the vote that followed on Tuesday.</p>
<p>A further paragraph follows here with more words about the same story and its background.</p>
</article></body></html>"""


@pytest.mark.parametrize("base", ["", '<base href="https://site.example.com/">'])
def test_saved_pages_with_a_site_root_canonical_are_not_merged(desk, tmp_path, base):
    pages = tmp_path / "pages"
    pages.mkdir()
    for i in range(1, 4):
        (pages / f"page{i}.html").write_text(
            SITE_ROOT_PAGE.format(title=f"Council story {i}", text=f"Story number {i}.", base=base)
        )
    got = desk.ingest(str(pages))
    assert (got.new, got.rejected) == (3, 0), got.rejects
    assert desk.ingest(str(pages)).new == 0


def test_saved_page_with_a_root_canonical_and_its_own_url_uses_its_own_url(desk, tmp_path):
    page = SITE_ROOT_PAGE.format(title="Council story", text="One story.", base="")
    (tmp_path / "p.html").write_text(
        "<!-- saved from url=(0040)https://site.example.com/news/council-1 -->\n" + page
    )
    desk.ingest(str(tmp_path / "p.html"))
    (article,) = [desk.get(r[0]) for r in desk.store.db.execute("SELECT id FROM articles")]
    assert article.url == "https://site.example.com/news/council-1"
    assert article.metadata["canonical_url"] == "https://site.example.com/"


def test_link_only_feed_entries_are_kept_with_the_links_id(desk, tmp_path):
    items = "<item><link>https://news.example.com/link-only-1</link></item><item><link>https://news.example.com/link-only-2</link></item>"
    (tmp_path / "links.rss").write_text(rss(items, "Links"))
    got = desk.ingest(str(tmp_path / "links.rss"))
    assert (got.new, got.rejected) == (2, 0)
    assert (
        desk.get(old_url_id("https://news.example.com/link-only-1")).url
        == "https://news.example.com/link-only-1"
    )


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("https://x.example/live#post-3", "post-3"),
        ("https://x.example/a#comments", ""),
        ("https://x.example/a#top", ""),
        ("https://x.example/a#xtor=RSS-1", ""),
        ("https://x.example/a#utm_source=x", ""),
        ("https://x.example/a", ""),
        ("https://x.example/a#c1234", "c1234"),
    ],
)
def test_entry_fragment(url, fragment):
    from newsdesk.normalize import entry_fragment, stored_url

    assert entry_fragment(url) == fragment
    assert stored_url(url) == ("https://x.example/" + url.split("/", 3)[3].split("#")[0]) + (
        f"#{fragment}" if fragment else ""
    )


def test_discriminator_ignores_a_guid_that_is_the_link():
    from newsdesk.normalize import discriminator

    url = "https://x.example/a"
    assert discriminator("https://x.example/a?utm_source=rss", url) == ""
    assert discriminator("tag:x.example,2024:1", url) == "tag:x.example,2024:1"
    assert discriminator("", "https://x.example/live#post-2") == "#post-2"


def test_id_of_a_record_with_a_fragment_is_the_base_id():
    from newsdesk.normalize import to_article

    art = to_article(Record(title="t", body="b", url="https://x.example/live#post-3"))
    assert art.id == old_url_id("https://x.example/live")
    assert art.url == "https://x.example/live#post-3"


def test_a_home_page_saved_as_itself_keeps_the_root_url(desk, tmp_path):
    page = SITE_ROOT_PAGE.format(title="Welcome to the Site", text="Home page.", base="")
    (tmp_path / "home.html").write_text("<!-- saved from url=(0025)https://site.example.com/ -->\n" + page)
    desk.ingest(str(tmp_path / "home.html"))
    (article,) = [desk.get(r[0]) for r in desk.store.db.execute("SELECT id FROM articles")]
    assert article.url == "https://site.example.com/" and article.id == old_url_id(
        "https://site.example.com/"
    )
