"""Fechas sin ambigüedad: "5 dic 2026", nunca 05/12/2026 (the month's abbreviation in lower
case, as Spanish writes it)."""

DATE_FORMAT = "j b Y"
SHORT_DATE_FORMAT = "j b Y"
DATETIME_FORMAT = "j b Y, H:i"
SHORT_DATETIME_FORMAT = "j b Y, H:i"
MONTH_DAY_FORMAT = "j \\d\\e F"
