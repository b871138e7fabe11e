"""signals: readings, scores, alerts, inhibition, silences and evaluation, as pure functions.

Nothing here reads event files or prints; every number can be explained event by event.
May import: model, text, files, query, config.
"""
