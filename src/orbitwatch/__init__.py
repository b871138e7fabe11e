"""orbitwatch: a timeline of dated geopolitical events kept in git, and the `orbit` command.

Importing the package is cheap on purpose: it loads nothing heavy (no rich, no dateutil).
"""

__version__ = "0.1.0"
