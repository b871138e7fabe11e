"""digest: the cron digest: what to send, the state file, delivery and the backtest.

compose.py is pure; state.py and delivery.py do the I/O of one run; backtest.py replays.
May import: model, text, files, git, query, config, signals, timeline.
"""
