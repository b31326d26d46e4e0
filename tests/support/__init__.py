"""Test support: databases on SQLite and PostgreSQL, factories, servers on loopback."""
