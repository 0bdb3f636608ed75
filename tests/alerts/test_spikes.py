"""Spikes: share of coverage per period against its trailing 14 periods (z-score, Poisson for small counts)."""

from __future__ import annotations

from newsdesk.alerts import spikes
from newsdesk.model import Record


def _day(d: int) -> str:
    return f"2018-03-{d:02d}T12:00:00Z" if d <= 31 else f"2018-04-{d - 31:02d}T12:00:00Z"


def _records(per_day: dict[int, tuple[int, int]]) -> list[Record]:
    """per_day: day -> (articles about the volcano, other articles)."""
    out, n = [], 0
    for day, (hits, other) in per_day.items():
        for i in range(hits + other):
            n += 1
            topic = "The volcano erupted again" if i < hits else f"Markets moved on item {n}"
            out.append(
                Record(
                    title=f"{topic} {n}",
                    body=f"{topic}. Report number {n}.",
                    published=_day(day),
                    external_id=f"s{n}",
                    source="Wire",
                )
            )
    return out


def test_z_score_finds_the_day_the_share_jumps_and_nothing_else(desk):
    per_day = {d: (4 + d % 3, 96) for d in range(1, 21)}  # 4-6% of coverage for 20 days
    per_day[21] = (30, 90)  # then 25%
    per_day[22] = (10, 190)  # 5%: more articles that day, same share: no spike
    desk.ingest_records(_records(per_day))
    found = desk.follow.spikes("volcano", interval="day")
    assert [s["period"] for s in found] == ["2018-03-21"]
    s = found[0]
    assert (s["method"], s["count"], s["total"]) == ("z", 30, 120)
    assert s["z"] >= spikes.Z_SPIKE
    assert len(s["articles"]) == 3 and all("volcano" in a["title"].lower() for a in s["articles"])


def test_poisson_for_small_baselines_and_a_minimum_count(desk):
    per_day = {d: (1 if d % 5 == 0 else 0, 50) for d in range(1, 16)}  # about one a week
    per_day[16] = (3, 50)  # three in a day: unusual, but under the minimum count
    per_day[17] = (9, 50)
    desk.ingest_records(_records(per_day))
    found = desk.follow.spikes("volcano")
    assert [(s["period"], s["method"]) for s in found] == [("2018-03-17", "poisson")]
    assert found[0]["p"] < spikes.P_SPIKE


def test_the_poisson_tail_and_the_guards():
    assert abs(spikes.poisson_tail(1, 2.0) - (1 - 2.718281828**-2)) < 1e-6
    assert spikes.poisson_tail(0, 3.0) == 1.0
    assert spikes.test_period(10, 100, [(1, 100), (1, 100)]) is None  # too little baseline
    assert spikes.test_period(4, 100, [(0, 100)] * 14)["spike"] is False  # under MIN_COUNT


def test_a_spike_alert_tells_once_per_period(desk):
    desk.follow.add_alert("volcano", "volcano", spike=True)
    desk.ingest_records(_records({d: (5, 95) for d in range(1, 15)}))
    assert [s["period"] for s in _spike_log(desk)] == []
    desk.ingest_records(
        [
            Record(
                title=f"Volcano erupts {i}",
                body="The volcano erupted.",
                published=_day(15),
                external_id=f"v{i}",
            )
            for i in range(40)
        ]
    )
    assert [s["period"] for s in _spike_log(desk)] == ["2018-03-15"]
    desk.ingest_records(
        [
            Record(
                title=f"Volcano ash {i}", body="The volcano again.", published=_day(15), external_id=f"w{i}"
            )
            for i in range(5)
        ]
    )
    assert [s["period"] for s in _spike_log(desk)] == ["2018-03-15"]  # told once
    assert desk.follow.alert("volcano")["matches"] == 14 * 5 + 45


def _spike_log(desk):
    import json

    rows = desk.store.db.execute("SELECT payload FROM alert_outbox WHERE kind='spike' ORDER BY id").fetchall()
    return [json.loads(p) for (p,) in rows]
