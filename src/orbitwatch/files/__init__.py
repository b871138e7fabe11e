"""files: the file system: atomic writes, the one lock helper, a timeline's layout.

Owns atomic.py (the write seam and its fault hooks), lock.py (flock with a retry) and walk.py
(which files are event files).
May import: model, text.
"""
