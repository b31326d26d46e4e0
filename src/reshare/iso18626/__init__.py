"""ISO 18626 messaging: codec, ReShare conventions, endpoint, outbox, protocol log."""
