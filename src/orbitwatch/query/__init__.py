"""query: the query language: parsed once, evaluated in Python, compiled to SQL.

language.py is the reference; sql.py compiles the same terms; alerts.py is the language over
alert fields. Never imports signals/: a reading is handed to a query as data.
May import: model, text.
"""
