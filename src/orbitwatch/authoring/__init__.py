"""authoring: new event files: stable TOML documents, slugs, and imports from CSV or JSON.

Builds and checks text; writing goes through files/atomic.py.
May import: model, text, files, config, timeline.
"""
