"""digest: TODO."""
