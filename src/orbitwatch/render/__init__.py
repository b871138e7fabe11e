"""Renderers: one module per output format, each turning values into text (or rich renderables).

Escaping happens inside each renderer, by construction; callers hand over raw event text.
"""
