"""timeline: the timeline on disk: finding it, loading and checking it, and its cache.

Owns load.py, parsing.py, check.py, the SQLite index (index.py, records.py, rows.py,
integrity.py, freshness.py, snapshot.py, marks.py, twins.py, idload.py, committed.py,
selection.py), the worker pool (pool.py) and the replay walk through commits (revwalk.py).
May import: model, text, files, git, query, config, signals.
"""
