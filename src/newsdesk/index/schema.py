"""The index's tantivy schema: which fields, analysed how, keeping what (see the table in
:mod:`newsdesk.index`)."""

from __future__ import annotations

import logging

import tantivy

from .languages import (
    ANALYSES,
    ANALYSIS_FIELD,
    BASE_FIELDS,
    BODY_OPTION,
    POSITIONS_IN,
    field_name,
    tokenizer_name,
)

STEM = "en_stem"
log = logging.getLogger("newsdesk.index")


def build_schema(all_fieldnorms: bool = False) -> tantivy.Schema:
    """newsdesk's index schema; ``all_fieldnorms`` gives the one of indexes written before
    :data:`NO_FIELDNORMS` (which open as they are: see ``newsdesk.index._open_tantivy``)."""
    sb = tantivy.SchemaBuilder()
    sb.add_unsigned_field("seq", stored=True, indexed=True, fast=True)
    sb.add_unsigned_field("dup", stored=False, indexed=False, fast=True)
    sb.add_text_field("id", stored=False, tokenizer_name="raw", index_option="basic")
    sb.add_text_field("text", stored=False, tokenizer_name=STEM, index_option="position")
    sb.add_text_field("title", stored=False, tokenizer_name=STEM, index_option="position")
    # body without positions (issue 13: a fifth of the index); body phrases: query.compile
    sb.add_text_field("body", stored=False, tokenizer_name=STEM, index_option=BODY_OPTION)
    sb.add_text_field("source", stored=False, tokenizer_name="raw", fast=True, index_option="basic")
    sb.add_text_field("author", stored=False, tokenizer_name="default", index_option="position")
    sb.add_text_field("url", stored=False, tokenizer_name="default", index_option="position")
    sb.add_text_field("lang", stored=False, tokenizer_name="raw", fast=True, index_option="basic")
    sb.add_text_field(ANALYSIS_FIELD, stored=False, tokenizer_name="raw", index_option="basic")
    for analysis in ANALYSES[1:]:  # English keeps text/title/body above
        for base in BASE_FIELDS:
            sb.add_text_field(field_name(base, analysis), stored=False, tokenizer_name=tokenizer_name(analysis),
                              index_option=BODY_OPTION if base in POSITIONS_IN else "position")
    sb.add_date_field("published", stored=False, indexed=True, fast=True)
    sb.add_text_field("entity", stored=False, tokenizer_name="raw", fast=True, index_option="freq")
    sb.add_text_field("salient", stored=False, tokenizer_name="raw", index_option="basic")
    sb.add_unsigned_field("copy_group", stored=False, indexed=True, fast=True)
    sb.add_unsigned_field("story", stored=False, indexed=True, fast=True)
    schema = sb.build()
    return schema if all_fieldnorms else _without_fieldnorms(schema, NO_FIELDNORMS)


#: indexed fields whose token counts (fieldnorms) the index does not keep. tantivy keeps one
#: byte per article for each field with them, whether the article fills the field or not: 67
#: bytes an article, 65 MiB of a 1M desk. BM25's length norm is read on ``text`` and ``title``
#: (every language's) only: these are one-token fields (id, source, lang, analysis), fields
#: scored by a constant (salient), or fields whose bare query (``body:``, ``author:``, ``url:``,
#: ``entity:``) loses only its short-field-first order among matches (issue 13: 28 bytes an
#: article; a ``body`` field keeps no frequencies either, so every match of a ``body:`` word
#: scores the same; ``author``/``url``/``entity`` still weigh how often the word occurs)
NO_FIELDNORMS = frozenset({
    "id", "source", "lang", ANALYSIS_FIELD, "author", "url", "entity", "salient",
    *(field_name(base, analysis) for analysis in ANALYSES for base in POSITIONS_IN),
})


def _without_fieldnorms(schema: tantivy.Schema, names: frozenset[str]) -> tantivy.Schema:
    """``schema`` with fieldnorms off for ``names``.

    tantivy has the switch (``TextFieldIndexing::set_fieldnorms``) but tantivy-py's
    ``add_text_field`` does not pass it on; the schema's pickled form is tantivy's own
    serialised schema, which carries it, so the schema is rebuilt from that with the flag off.
    """
    try:
        rebuild, (state,) = schema.__reduce__()
        fields = state["inner"]
    except (TypeError, ValueError, KeyError):  # a tantivy-py without that form: every field keeps them
        log.debug("tantivy %s: schema has no pickled form; fieldnorms kept on every field", tantivy.__version__)
        return schema
    for field in fields:
        indexing = field["options"].get("indexing") if field["name"] in names else None
        if indexing is not None:
            indexing["fieldnorms"] = False
    return rebuild(state)
