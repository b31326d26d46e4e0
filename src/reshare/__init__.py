"""ReShare: a multi-tenant resource-sharing (interlibrary loan) platform."""

__version__ = "0.1.0"
