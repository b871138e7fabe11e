"""timeline: the timeline on disk: finding it, loading and checking it, and its cache.

Owns load.py, check.py, the SQLite index (index.py, records.py, integrity.py, freshness.py,
snapshot.py, marks.py), the worker pool (pool.py) and the replay walk through commits (revwalk.py).
May import: model, text, files, git, query, config, signals.
"""
