"""Sensing algorithms with no Django import: the NGSI-LD ``q`` language, quality checks on a
series of readings, and aggregates that leave flagged readings out."""
