"""Directory: libraries, branches, symbols, services; sync between installations."""
