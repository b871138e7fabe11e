"""text: text as data: control characters, English counts, TOML and JSON read safely.

Owns chars.py, words.py, tomlpos.py and strictjson.py; knows nothing of events.
May import: model.
"""
