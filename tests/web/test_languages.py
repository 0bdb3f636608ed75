"""The language helpers of the pages: codes, directions, names, the entities note (no browser)."""

from __future__ import annotations

import pytest
from jinja2 import Undefined

from newsdesk.web import languages


@pytest.mark.parametrize(
    ("lang", "want"),
    [
        ("ar", ' lang="ar" dir="rtl"'), ("he", ' lang="he" dir="rtl"'), ("fa-IR", ' lang="fa" dir="rtl"'),
        ("ur", ' lang="ur" dir="rtl"'), ("ckb", ' lang="ckb" dir="rtl"'), ("de", ' lang="de" dir="ltr"'),
        ("pt_BR", ' lang="pt" dir="ltr"'), ("und", ' lang="" dir="auto"'), ("", ' lang="" dir="auto"'),
        ('"><script>', ' lang="" dir="auto"'), (None, ' dir="auto"'), (Undefined(), ' dir="auto"'),
    ],
)  # fmt: skip
def test_attrs(lang, want):
    assert str(languages.attrs(lang)) == want


def test_names_and_filter_codes():
    assert [languages.name(x) for x in ("de", "zh-Hant", "xx", "und", "")] == [
        "German", "Chinese", "xx", "unknown", "unknown",
    ]  # fmt: skip
    assert [bool(languages.FILTER_CODE.match(x)) for x in ("de", "und", "ckb", "de-AT", "d", "1a")] == [
        True, True, True, False, False, False,
    ]  # fmt: skip


def test_entities_note():
    assert languages.entities_note("ja", []) == "Entities: English only (this article is in Japanese)."
    assert languages.entities_note("en", []) == ""
    assert languages.entities_note("und", []) == ""
    assert languages.entities_note("ja", [{"name": "X"}]) == ""  # entities shown: nothing to say
    assert languages.entities_note("fr", [], None) == ""  # the Desk says French gets entities
    assert languages.entities_note("fr", [], "no entities for fr: install newsdesk[ner-fr]") == (
        "no entities for fr: install newsdesk[ner-fr]"
    )
