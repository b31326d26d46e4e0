"""Web: the FastAPI app, error shape, authentication dependencies, staff UI."""
