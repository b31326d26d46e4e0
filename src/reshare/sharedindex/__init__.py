"""Shared index: MARC ingest, clustering, holdings, search, OAI-PMH/SRU, rota source."""
