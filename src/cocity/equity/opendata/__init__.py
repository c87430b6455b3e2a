"""Open data of cocity: versioned releases of coarsened, suppressed exports, their privacy notes,
Frictionless data packages and a DCAT-AP 3 / DCAT-AP-ES catalogue at ``/open-data/``."""
