"""Library management system integration: NCIP, Z39.50/SRU, per-LMS profiles."""
