"""query: TODO."""
