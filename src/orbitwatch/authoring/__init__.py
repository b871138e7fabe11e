"""authoring: TODO."""
