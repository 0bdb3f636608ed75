"""Languages on the pages: each article's text says what language it is in and which way it runs.

The page itself is English (``<html lang="en">``); every headline, snippet,
body and quote of an article carries that article's ``lang`` (so screen
readers pronounce it and browsers pick fonts and hyphenation) and an explicit
``dir``: ``rtl`` for the right-to-left languages, ``ltr`` for the others, and
``auto`` (the browser guesses from the first strong character) only where the
language is unknown. ``dir="auto"`` alone would misplace an Arabic headline
that starts with a Latin name or a number.
"""

from __future__ import annotations

import re
from typing import Any

from jinja2 import Undefined
from markupsafe import Markup, escape

RTL = frozenset({"ar", "he", "iw", "fa", "ur", "ps", "yi", "dv", "ug", "ckb", "sd", "syr"})
UNKNOWN = frozenset({"", "und", "mul", "zxx"})
ENGLISH = frozenset({"", "und", "en"})  # read as English by the entity stage
_CODE = re.compile(r"^[a-z]{2,3}$")
FILTER_CODE = re.compile(r"^(?:[a-z]{2,3}|und)$")  # what the lang filter of the search page accepts
NAMES = {
    "af": "Afrikaans", "ar": "Arabic", "bg": "Bulgarian", "bn": "Bengali", "ca": "Catalan", "cs": "Czech",
    "cy": "Welsh", "da": "Danish", "de": "German", "el": "Greek", "en": "English", "eo": "Esperanto",
    "es": "Spanish", "et": "Estonian", "eu": "Basque", "fa": "Persian", "fi": "Finnish", "fr": "French",
    "ga": "Irish", "gl": "Galician", "he": "Hebrew", "hi": "Hindi", "hr": "Croatian", "hu": "Hungarian",
    "hy": "Armenian", "id": "Indonesian", "is": "Icelandic", "it": "Italian", "ja": "Japanese",
    "ka": "Georgian", "ko": "Korean", "lt": "Lithuanian", "lv": "Latvian", "mk": "Macedonian",
    "ms": "Malay", "nl": "Dutch", "no": "Norwegian", "nb": "Norwegian Bokmål", "nn": "Norwegian Nynorsk",
    "pl": "Polish", "ps": "Pashto", "pt": "Portuguese", "ro": "Romanian", "ru": "Russian", "sk": "Slovak",
    "sl": "Slovenian", "sq": "Albanian", "sr": "Serbian", "sv": "Swedish", "sw": "Swahili", "ta": "Tamil",
    "th": "Thai", "tl": "Tagalog", "tr": "Turkish", "uk": "Ukrainian", "ur": "Urdu", "vi": "Vietnamese",
    "yi": "Yiddish", "zh": "Chinese", "dv": "Dhivehi", "ug": "Uyghur", "ckb": "Central Kurdish",
}  # fmt: skip


def code(lang: Any) -> str:
    """The primary language subtag, lower case (``'pt-BR'`` -> ``'pt'``); '' when unknown or malformed."""
    primary = str(lang or "").strip().lower().replace("_", "-").split("-")[0]
    return primary if _CODE.match(primary) and primary not in UNKNOWN else ""


def direction(lang: Any) -> str:
    c = code(lang)
    return "rtl" if c in RTL else "ltr" if c else "auto"


def attrs(lang: Any) -> Markup:
    """`` lang="ar" dir="rtl"`` for an element holding an article's text (``lang=""``: unknown).

    Where the page's data carries no language at all (a list the Desk gives without it), only
    `` dir="auto"``: the text keeps the page's language and the browser finds its direction."""
    if lang is None or isinstance(lang, Undefined):
        return Markup(' dir="auto"')
    return Markup(f' lang="{escape(code(lang))}" dir="{direction(lang)}"')


def name(lang: Any) -> str:
    """A reader's name for the language (``'German'``), the code where we have none, or 'unknown'."""
    c = code(lang)
    return NAMES.get(c, c) if c else "unknown"


NOT_GIVEN = object()  # the Desk's article page carries no entities note (older Desk)


def entities_note(lang: Any, entities: list[Any], note: Any = NOT_GIVEN) -> str:
    """What the article page says instead of an empty entity list in a language without entities.

    ``note`` is the Desk's own reason (``None``: this language gets entities); when the Desk gives
    none, entities are taken to exist for English (and unknown-language) articles only."""
    if entities:
        return ""
    if note is not NOT_GIVEN:
        return str(note or "")
    return "" if code(lang) in ENGLISH else f"Entities: English only (this article is in {name(lang)})."
