"""LMS simulator: a small library system answering NCIP 2.02 and SRU, for the demo and tests."""
