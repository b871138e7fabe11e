"""The application layer: one typed function per command use case, taking and returning values.

Between the CLI and the core: no click, no rich, no printing, no exiting. Imported lazily.
"""
