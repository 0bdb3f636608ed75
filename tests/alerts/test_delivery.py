"""Delivery: a signed webhook that fails once, email through a local SMTP server, the Atom feed,
and SIGKILL between match and delivery."""

from __future__ import annotations

import email
import email.policy
import json
import os
import signal
import subprocess
import sys
import time

import feedparser
import pytest

import newsdesk
from newsdesk.alerts.webhook import verify

from ..conftest import SEED, free_port, run_cli
from ..feeds.localhttp import receiver
from .conftest import story


def test_webhook_signed_retried_after_a_500_and_never_sent_twice(desk):
    with receiver(fail=1) as hook:
        alert = desk.follow.add_alert("oil", "oil", notify=[f"webhook:{hook.url}"])
        desk.ingest_records([story(1, "Oil prices rose."), story(2, "Oil fell again."), story(3, "Cocoa.")])
        assert len(hook.got) == 1 and hook.got[0].status == 500  # the ingest tried at once
        log = desk.follow.alert("oil")["deliveries"]
        assert [(d["status"], d["ok"], d["items"]) for d in log] == [(500, False, 2)]
        assert desk.follow.alert("oil")["outbox"] == {"pending": 2, "sent": 0, "failed": 0}

        assert desk.follow.deliver().attempts == 0  # the retry waits out its backoff
        d = desk.follow.deliver(now=time.time() + 3600)
        assert (d.sent, d.failed) == (2, 0)
        assert len(hook.acked) == 1
        got = hook.acked[0]
        assert verify(alert["secret"], got.body, got.headers["x-newsdesk-signature"])
        assert not verify("whsec_wrong", got.body, got.headers["x-newsdesk-signature"])
        payload = json.loads(got.body)
        assert payload["alert"] == "oil" and payload["event"] == "match"
        assert sorted(m["title"] for m in payload["matches"]) == ["Oil fell again (2)", "Oil prices rose (1)"]
        assert len({m["key"] for m in payload["matches"]}) == 2
        assert got.body == hook.got[0].body  # the retry repeats the same keys and bytes

        assert desk.follow.deliver(now=time.time() + 7200).attempts == 0
        desk.ingest_records([story(1, "Oil prices rose.")])  # already there: nothing new to send
        assert len(hook.got) == 2
        assert [d["status"] for d in desk.follow.alert("oil")["deliveries"]] == [200, 500]


def test_cli_acceptance_one_signed_post_naming_the_seed_article(tmp_path):
    data = tmp_path / "data"
    with receiver() as hook:
        r = run_cli(
            "alerts", "add", "sessions", '"jeff sessions"', "--notify", f"webhook:{hook.url}", data=data
        )
        assert r.returncode == 0, r.stderr
        secret = r.stdout.split("webhook secret")[1].split(": ")[1].strip()
        assert run_cli("ingest", str(SEED), data=data).returncode == 0
        assert len(hook.acked) == 1
        body = hook.acked[0].body
        assert verify(secret, body, hook.acked[0].headers["x-newsdesk-signature"])
        [match] = json.loads(body)["matches"]
        assert match["title"] == "jeff sessions"
        assert run_cli("ingest", str(SEED), data=data).returncode == 0
        assert len(hook.got) == 1  # ingesting it again sends nothing
        shown = run_cli("alerts", "show", "sessions", data=data).stdout
        assert "status 200" in shown and "jeff sessions" in shown


def test_sigkill_between_match_and_delivery_delivers_once_on_restart(tmp_path):
    data = tmp_path / "data"
    with receiver(hang_first=True) as hook:
        with newsdesk.open(data) as d:
            d.follow.add_alert("oil", "oil", notify=[f"webhook:{hook.url}"])
        script = (
            "import sys, newsdesk\nfrom tests.alerts.conftest import story\n"
            "with newsdesk.open(sys.argv[1]) as d:\n"
            "    d.ingest_records([story(i, f'Oil story {i}.') for i in range(3)])\n"
        )
        proc = subprocess.Popen(
            [sys.executable, "-c", script, str(data)],
            cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
        )
        try:
            assert hook.arrived.wait(60), "the ingest never tried to deliver"
            proc.send_signal(signal.SIGKILL)  # matches committed, the POST sent, no answer heard
        finally:
            proc.wait(timeout=30)
        assert hook.acked == []
        with newsdesk.open(data) as d:
            assert d.count() == 3 and d.follow.alert("oil")["matches"] == 3
            assert d.follow.alert("oil")["outbox"]["pending"] == 3
        # restart: the killed process's claim is released (it is gone), and the rows go again
        r = run_cli("alerts", "deliver", data=data)
        assert r.returncode == 0, r.stderr
        assert "delivered 3, failed 0" in r.stdout
        with newsdesk.open(data) as d:
            assert d.follow.alert("oil")["outbox"] == {"pending": 0, "sent": 3, "failed": 0}
            assert d.follow.deliver(now=time.time() + 3600).attempts == 0
        keys = [m["key"] for got in hook.acked for m in json.loads(got.body)["matches"]]
        assert len(keys) == 3 and len(set(keys)) == 3  # each match acknowledged once on this channel
        first = {m["key"] for m in json.loads(hook.got[0].body)["matches"]}
        assert first == set(keys)  # the unanswered POST carried the same idempotency keys


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
            return "250 OK"

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _parse(raw: bytes):
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    text = msg.get_body(preferencelist=("plain",)).get_content()
    html = msg.get_body(preferencelist=("html",)).get_content()
    return msg, text, html


def test_email_alert_arrives_at_a_local_smtp_server(tmp_path, smtp_server, monkeypatch):
    inbox, port = smtp_server
    monkeypatch.setenv("NEWSDESK_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("NEWSDESK_SMTP_PORT", str(port))
    monkeypatch.setenv("NEWSDESK_SMTP_FROM", "alerts@newsdesk.test")
    data = tmp_path / "data"
    r = run_cli(
        "alerts", "add", "sessions", '"jeff sessions"', "--notify", "email:reporter@example.org", data=data
    )
    assert r.returncode == 0, r.stderr
    assert run_cli("ingest", str(SEED), data=data).returncode == 0
    assert len(inbox.messages) == 1
    sender, rcpts, raw = inbox.messages[0]
    assert (sender, rcpts) == ("alerts@newsdesk.test", ["reporter@example.org"])
    msg, text, html = _parse(raw)
    assert msg["Subject"] == "[newsdesk] sessions: jeff sessions"
    assert "jeff sessions" in text and "<li>" in html


def test_daily_digest_waits_for_the_end_of_the_day_then_sends_one_message(tmp_path, smtp_server, monkeypatch):
    inbox, port = smtp_server
    monkeypatch.setenv("NEWSDESK_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("NEWSDESK_SMTP_PORT", str(port))
    with newsdesk.open(tmp_path / "data") as d:
        d.follow.add_alert("oil", "oil", notify=["email:desk@example.org"], every="daily")
        d.ingest_records([story(1, "Oil prices rose."), story(2, "Oil fell.")])
        assert inbox.messages == []
        assert d.follow.deliver(now=time.time() + 86400 + 60).sent == 2
        assert len(inbox.messages) == 1
        msg, text, _html = _parse(inbox.messages[0][2])
        assert msg["Subject"] == "[newsdesk] oil: 2 new articles"
        assert "Oil prices rose (1)" in text and "Oil fell (2)" in text


def test_email_without_a_server_fails_with_a_reason_and_stays_pending(desk, monkeypatch):
    monkeypatch.delenv("NEWSDESK_SMTP_HOST", raising=False)
    desk.follow.add_alert("oil", "oil", notify=["email:desk@example.org"])
    desk.ingest_records([story(1, "Oil prices rose.")])
    [entry] = desk.follow.alert("oil")["deliveries"]
    assert not entry["ok"] and "NEWSDESK_SMTP_HOST" in entry["error"]
    assert desk.follow.alert("oil")["outbox"]["pending"] == 1


def test_atom_feed_parses_newest_first_and_honours_the_read_key(tmp_path):
    from fastapi.testclient import TestClient

    from newsdesk.api import create_app

    with newsdesk.open(tmp_path / "data") as d:
        d.follow.add_alert("sessions", '"jeff sessions"')
        d.ingest([str(SEED)])
        d.ingest_records([story(9, "Jeff Sessions again, later.")])
        key = d.create_key("reader")
        client = TestClient(create_app(d))
        r = client.get("/feeds/sessions.atom")
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/atom+xml")
        feed = feedparser.parse(r.content)
        assert not feed.bozo, feed.get("bozo_exception")
        assert feed.version == "atom10"
        assert [e.title for e in feed.entries] == ["Jeff Sessions again, later (9)", "jeff sessions"]
        assert feed.entries[1].id.startswith("urn:newsdesk:article:")
        assert client.get("/feeds/nobody.atom").status_code == 404
        locked = TestClient(create_app(d, read_key=True))
        assert locked.get("/feeds/sessions.atom").status_code == 401
        assert locked.get(f"/feeds/sessions.atom?key={key}").status_code == 200
        assert (
            locked.get("/feeds/sessions.atom", headers={"Authorization": f"Bearer {key}"}).status_code == 200
        )
