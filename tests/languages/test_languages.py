"""Issue 15 on real desks: detection at ingest, per-language analysis, lang:, facets, top terms,
highlighting, stats, and the English-only switch. No mocks: desks on tmp_path."""

from __future__ import annotations

import pytest

from newsdesk import desk as desk_mod
from newsdesk.analysis.terms import top_terms
from newsdesk.index.languages import analysis_of, cjk_text, lang_code
from newsdesk.model import Record
from newsdesk.readers.languages import detect, resolve_language

from .articles import ARTICLES


def _records(declared: bool = False) -> list[Record]:
    return [Record(title=a["title"], body=a["body"], external_id=a["id"],
                   lang=a["id"].split("-")[0] if declared else "") for a in ARTICLES]


@pytest.fixture(scope="module")
def desks(tmp_path_factory):
    """The same articles (languages detected, none declared) in a per-language and an English-only desk."""
    out = {}
    for mode in ("languages", "english"):
        d = desk_mod.open(tmp_path_factory.mktemp(mode) / "data")
        d.set_analysis(mode)
        d.ingest_records(_records(), dedup=False)
        out[mode] = d
    yield out
    for d in out.values():
        d.close()


def found(desk, query: str) -> list[str]:
    return [h.external_id for h in desk.search(query, limit=20, collapse=False).hits]


# -- detection ---------------------------------------------------------------------------
@pytest.mark.parametrize("declared, code", [
    ("en-US", "en"), ("eng", "en"), ("zh-Hans", "zh"), ("pt_BR", "pt"), ("de-DE, en", "de"), ("German", "de"),
    ("nb", "no"), ("iw", "he"), ("x-default", ""), ("und", ""), ("mul", ""), ("", ""), ("12", ""),
])
def test_declared_languages_become_iso_639_1(declared, code):
    assert lang_code(declared) == code


def test_every_article_is_detected_when_nothing_is_declared(desks):
    langs = {row["lang"]: row["articles"] for row in desks["languages"].stats()["languages"]}
    assert langs == {"de": 1, "fr": 1, "es": 1, "it": 1, "ru": 1, "zh": 1, "ja": 1, "ar": 1, "en": 1}


def test_declared_metadata_wins_over_the_text():
    assert resolve_language("fr-CA", "Die Regierung", "Die Regierungen der Länder haben beraten.") == "fr"
    assert resolve_language("x-default", "Die Regierung", "Die Regierungen der Länder haben heute beraten.") == "de"


def test_short_or_unclear_text_is_undetermined():
    assert detect("Merkel")[0] == "und"
    assert detect("12.5 13.7 0.4 | 1,200 4,500")[0] == "und"
    assert resolve_language("", "", "")[0:3] == "und"


def test_und_and_english_share_the_english_analysis():
    assert analysis_of("und") == analysis_of("") == analysis_of("en") == analysis_of("en-GB") == "en"
    assert analysis_of("de") == "de" and analysis_of("zh") == analysis_of("ja") == "cjk"
    assert analysis_of("pl") == analysis_of("ca") == "simple"


def test_cjk_text_is_overlapping_bigrams():
    assert cjk_text("中国经济 GDP").split() == ["中国", "国经", "经济", "GDP"]
    assert cjk_text("是").split() == ["是"]


# -- inflections: the right analysis finds them, English stemming does not ------------------
INFLECTIONS = [
    ("lang:de Regierung", "de-1"),  # plural Regierungen
    ("Regierung", "de-1"),  # without lang:, across the languages present
    ("muller", "de-1"),  # Müller, folded
    ("economie", "fr-1"),  # l'économie: elision and accent
    ("elección", "es-1"),  # elecciones
    ("governo", "it-1"),  # governi
    ("citta", "it-1"),  # città, folded
    ("правительство", "ru-1"),  # правительства (genitive)
    ("经济", "zh-1"),  # a two-character Chinese word inside a run
    ("金融", "ja-1"),
    ("حكومة", "ar-1"),  # الحكومات: article and plural
]


@pytest.mark.parametrize("query, target", INFLECTIONS)
def test_the_languages_analysis_finds_the_inflected_form(desks, query, target):
    assert target in found(desks["languages"], query)


@pytest.mark.parametrize("query, target", [c for c in INFLECTIONS if c[0] not in ("Regierung",)])
def test_the_english_analysis_misses_it(desks, query, target):
    assert target not in found(desks["english"], query)


def test_the_reverse_fold_finds_the_plain_spelling(tmp_path):
    with desk_mod.open(tmp_path / "d") as d:
        d.ingest_records([Record(title="Muller gewinnt", lang="de", external_id="m",
                                 body="Thomas Muller hat am Samstag das entscheidende Tor geschossen.")], dedup=False)
        assert found(d, "Müller") == ["m"]


def test_phrases_and_title_work_per_language(desks):
    d = desks["languages"]
    assert found(d, '"croissance de l\'economie"') == ["fr-1"]
    assert found(d, '"经济增长"') == ["zh-1"]
    assert found(d, '"增长经济"') == []  # bigrams must come in order
    assert found(d, "title:regierung") == ["de-1"]
    assert found(d, "body:regierung") == ["de-1"]
    assert found(d, "title:schulen") == ["de-1"]
    assert found(d, "title:berlin") == []  # only in the body


def test_lang_restricts_to_that_language(desks):
    d = desks["languages"]
    assert found(d, "lang:fr economie") == ["fr-1"]
    assert found(d, "lang:de economie") == []
    assert found(d, "lang:de-AT Regierung") == ["de-1"]  # a regional tag reads as its language
    assert set(found(d, "lang:de OR lang:fr")) == {"de-1", "fr-1"}
    assert "de-1" not in found(d, "-lang:de *")


def test_the_language_facet_counts_matches(desks):
    facets = desks["languages"].facets("*")
    assert {f["value"]: f["count"] for f in facets["lang"]} == {
        "de": 1, "fr": 1, "es": 1, "it": 1, "ru": 1, "zh": 1, "ja": 1, "ar": 1, "en": 1}
    assert desks["languages"].facets("lang:de")["lang"] == [{"value": "de", "count": 1}]


def test_snippets_highlight_every_language(desks):
    d = desks["languages"]

    def snippet(q: str) -> str:
        return d.search(q, limit=1, collapse=False).hits[0].snippet

    assert "<b>Regierungen</b>" in snippet("Regierung")
    assert "l'<b>économie</b>" in snippet("economie")
    assert "<b>Müller</b>" in snippet("muller")
    assert "<b>经济增长</b>" in snippet("经济增长")
    assert "<b>金融</b>" in snippet("金融")
    assert "<b>الحكومات</b>" in snippet("حكومة")
    assert "<b>правительства</b>" in snippet("правительство")


def test_cjk_snippets_start_after_a_sentence_end(tmp_path):
    body = "这是第一句话，讲的是别的事情。" * 12 + "中国经济增长放缓，消费低于预期。" + "后来的句子。" * 30
    with desk_mod.open(tmp_path / "d") as d:
        d.ingest_records([Record(title="新闻", body=body, lang="zh", external_id="z")], dedup=False)
        snip = d.search("经济", limit=1).hits[0].snippet
    assert snip.startswith("中国<b>经济</b>")


def test_top_terms_use_each_languages_stop_words(tmp_path):
    bodies = [
        "Die Regierung hat die neue Steuer beschlossen, sagte der Minister in Berlin.",
        "Die Regierung und die Opposition streiten über die Steuer im Bundestag.",
        "Der Minister verteidigt die Steuer der Regierung vor der Presse.",
    ]
    others = ["Bayern gewinnt gegen Dortmund im Stadion.", "Schnee in Bayern: Autobahnen gesperrt.",
              "Neues Museum in Hamburg eröffnet.", "Lufthansa streicht Flüge nach Mallorca."]
    with desk_mod.open(tmp_path / "d") as d:
        d.ingest_records([Record(title=f"Steuer {i}", body=b, lang="de", external_id=str(i))
                          for i, b in enumerate(bodies)]
                         + [Record(title=f"Meldung {i}", body=b, lang="de", external_id=f"o{i}")
                            for i, b in enumerate(others)], dedup=False)
        terms = [t["term"] for t in top_terms(d.corpus, "steuer", n=10)]
    assert "die" not in terms and "der" not in terms
    assert "regierung" in terms


def test_stats_count_articles_per_language(desks):
    stats = desks["languages"].stats()
    assert stats["analysis"] == "languages"
    assert sum(row["articles"] for row in stats["languages"]) == stats["articles"] == len(ARTICLES)
    assert desks["english"].stats()["analysis"] == "english"


def test_switching_the_analysis_reindexes(tmp_path):
    with desk_mod.open(tmp_path / "d") as d:
        d.ingest_records(_records(declared=True), dedup=False)
        assert "it-1" in found(d, "governo")
        assert d.set_analysis("english") == len(ARTICLES)
        assert "it-1" not in found(d, "governo")
        d.reindex()  # a reindex keeps the desk's setting
        assert "it-1" not in found(d, "governo")
        d.set_analysis("languages")
        assert "it-1" in found(d, "governo")


def test_a_cjk_word_finds_its_characters_split_by_the_text(tmp_path):
    with desk_mod.open(tmp_path / "d") as d:
        d.ingest_records([Record(title="纽约一名保姆被起诉", body="纽约一名保姆因发送种族主义短信被起诉。",
                                 lang="zh", external_id="z")], dedup=False)
        assert found(d, "纽约保姆") == ["z"]  # 纽约一名保姆: the covering bigrams, not the exact run
        assert found(d, '"纽约保姆"') == []  # a quoted phrase is still exact
        assert "<b>纽约</b>一名<b>保姆</b>" in d.search("纽约保姆").hits[0].snippet


def test_a_hebrew_word_is_found_behind_its_prefixes(tmp_path):
    with desk_mod.open(tmp_path / "d") as d:
        d.ingest_records([Record(title="רוכב אופניים נהרג", lang="he", external_id="h",
                                 body="רוכב אופניים נהרג אתמול בדפטפורד שבדרום לונדון, כך מסרה המשטרה.")],
                         dedup=False)
        assert found(d, "דפטפורד") == ["h"]  # בדפטפורד: "in Deptford"
        assert found(d, "משטרה") == ["h"]  # המשטרה: "the police"
        assert "<b>בדפטפורד</b>" in d.search("דפטפורד").hits[0].snippet
        d.set_analysis("english")
        assert found(d, "דפטפורד") == []


def test_top_terms_leave_out_arabic_and_japanese_function_words(tmp_path):
    arabic = ["أعلنت الحكومة في القاهرة عن خطة للموازنة في العام المقبل",
              "ناقشت الحكومة في البرلمان خطة الموازنة مع النواب",
              "قالت الحكومة في بيان إن الموازنة في طريقها إلى البرلمان"]
    japanese = ["日本銀行は金融政策を維持した。", "日本銀行は金融緩和を続けている。", "日本銀行の金融政策は変わらなかった。"]
    other = ["سقط المطر على المدينة", "فاز الفريق بالمباراة", "東京で雪が降った。", "野球の試合が中止された。"]
    rows = [(t, "ar") for t in arabic] + [(t, "ja") for t in japanese] + [(t, "ar" if "ا" in t else "ja") for t in other]
    with desk_mod.open(tmp_path / "d") as d:
        d.ingest_records([Record(title=f"{i}", body=t, lang=lang, external_id=str(i))
                          for i, (t, lang) in enumerate(rows)], dedup=False)
        ar_terms = [t["term"] for t in top_terms(d.corpus, "lang:ar الحكومة", n=15)]
        ja_terms = [t["term"] for t in top_terms(d.corpus, "lang:ja 日本銀行", n=15)]
    assert "في" not in ar_terms and any("موازن" in t for t in ar_terms)
    assert "金融" in ja_terms and not any(t in ("した", "ている", "いる") for t in ja_terms)


def test_timelines_count_matches_in_every_language(desks):
    data = desks["languages"].timeline(["经济", "Regierung", "economie"], interval="month")
    totals = {s["query"]: s["total"] for s in data["series"]}
    assert totals == {"经济": 1, "Regierung": 1, "economie": 1}


def test_a_cjk_lead_without_a_match_is_not_cut_at_an_early_space(tmp_path):
    body = "新华社 " + "中国经济增长放缓，消费和投资均低于预期。" * 20
    with desk_mod.open(tmp_path / "d") as d:
        d.ingest_records([Record(title="新闻", body=body, lang="zh", external_id="z")], dedup=False)
        snip = d.search("lang:zh", limit=1).hits[0].snippet
    assert len(snip) > 100


def test_a_russian_word_is_found_without_its_fleeting_vowel(tmp_path):
    with desk_mod.open(tmp_path / "d") as d:
        d.ingest_records([Record(title="Извержение вулкана", lang="ru", external_id="r",
                                 body="Облако пепла накрыло пригороды Мехико после извержения вулкана.")], dedup=False)
        assert found(d, "пепел") == ["r"]  # пепла: the genitive drops the е
        assert found(d, "вулкан пепел") == ["r"]
