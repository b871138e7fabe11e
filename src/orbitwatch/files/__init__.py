"""files: TODO."""
