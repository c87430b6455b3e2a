"""Demo data of the equity app (registered with cocity.core.seeding)."""
