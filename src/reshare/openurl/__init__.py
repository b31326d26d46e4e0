"""OpenURL request intake."""
