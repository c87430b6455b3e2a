"""Demo data of the investment app (registered with cocity.core.seeding)."""
