"""Patron notices: templates per trigger, an e-mail queue with retry."""
