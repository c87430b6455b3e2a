"""Models of the equity app."""
