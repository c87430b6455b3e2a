"""Pure algorithms. Nothing in this package imports Django or any cocity app."""
