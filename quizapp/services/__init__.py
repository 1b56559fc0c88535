"""Use cases joining the pure packages with the database. Each owns its commit."""
