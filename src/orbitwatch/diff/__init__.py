"""diff: two event sets (and their settings) compared, and one event's history as values.

Pure functions over loaded timelines; reading folders or revisions is timeline's job.
May import: model, files, git, config, signals.
"""
