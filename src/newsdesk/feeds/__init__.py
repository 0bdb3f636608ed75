"""Subscriptions: feeds that poll themselves.

:mod:`newsdesk.feeds.subscriptions` adds, lists and removes feeds (and reads
``--every`` durations); :mod:`newsdesk.feeds.poller` fetches them politely and
hands what it read to the one ingest path; :mod:`newsdesk.feeds.opml` reads
and writes the subscription lists feed readers exchange. Like every stage
these take a :class:`~newsdesk.store.Store` and an ingest callable, never the
Desk; their SQL is in :mod:`newsdesk.store.feeds`.
"""
