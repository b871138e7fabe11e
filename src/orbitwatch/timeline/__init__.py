"""timeline: TODO."""
