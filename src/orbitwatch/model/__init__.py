"""model: the values every layer shares, and the vocabularies defined once.

Owns Event and its parts (event.py), the event schema (schema.py), the act table (acts.py),
the Alert value (alert.py), ISO country codes (countries.py), partial dates (dates.py), and
Problem and the typed errors (errors.py). Pure: no files, no printing, no exit statuses.
May import: nothing of orbitwatch.
"""
