"""Per-tenant settings: a typed registry of ReShare's setting keys and their values."""
