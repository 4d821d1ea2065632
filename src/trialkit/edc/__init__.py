"""The study database and its services."""
