"""git: TODO."""
