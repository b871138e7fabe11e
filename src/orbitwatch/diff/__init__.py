"""diff: TODO."""
