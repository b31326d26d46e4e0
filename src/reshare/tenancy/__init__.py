"""Tenancy: tenants (libraries), their staff users, roles, sessions and API tokens."""
