"""git: git plumbing: revisions resolved safely, files read at a revision, commit history.

Runs git (no shell, no pager, a timeout) and returns bytes and values; parsing is timeline's.
May import: model, files.
"""
