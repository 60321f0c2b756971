"""HTTP: blueprints, wire schemas and the mapping of every error to one JSON shape."""
