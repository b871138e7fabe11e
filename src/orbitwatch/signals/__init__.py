"""signals: TODO."""
