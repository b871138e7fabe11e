"""config: orbit.toml: settings, signal rules, levels, inhibition and feed tables.

Parses and validates into frozen values plus located Problems; computes nothing.
May import: model, text, query.
"""
