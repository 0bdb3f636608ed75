"""Saved searches that alert: percolation, the outbox, channels (Atom, webhook, email), spikes.

The journey of a match: an ingest commits articles → :func:`percolate.percolate`
runs every saved search over the new seqs and commits the matches with one
outbox row per channel → :func:`deliver.deliver` sends what is due and marks it
sent. Each module takes a :class:`~newsdesk.store.Store` and an
:class:`~newsdesk.index.Index` (never the Desk), and every SQL statement is in
:mod:`newsdesk.store.alerts`.
"""
