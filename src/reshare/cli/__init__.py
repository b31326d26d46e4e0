"""Command line: `reshare ...`."""
