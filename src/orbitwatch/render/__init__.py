"""Renderers: one module per output format, each turning values into text (or rich renderables).

Escaping happens inside each renderer, by construction; callers hand over raw event text. May
import the core (model, text, signals, ...) and never app/ or cli/; only terminal.py imports rich.
"""
