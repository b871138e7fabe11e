"""feeds: machine-coded event feeds (GDELT 2.0 and 1.0, ICEWS) in a Parquet store.

Owns the readers of each format (readers.py), the one mapping of CAMEO and ICEWS actor codes
to orbit's countries and blocs (codes.py), the store's layout, manifest, lock and commit
(store.py), importing files into it (ingest.py) and fetching new GDELT 2.0 files (update.py).
May import model/, text/, files/ and config/, and DuckDB only inside functions (the curated
commands never load it). May not import app/, cli/ or render/; never prints.
May import: model, text, files, query, config, signals, authoring.
"""
