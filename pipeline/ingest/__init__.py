"""Stage 1, ingest: the feed list, HTTP fetching, feed parsing, URL identity and the back-off of failing feeds.

Everything here but `fetch` is pure (bytes and values in, values out); `fetch` is the only HTTP shell, shared
with the article stage.
"""
