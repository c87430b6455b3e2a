"""Demo sensors: air quality and noise across every district (about 60 sensors), 90 days of
hourly readings with faults put in on purpose (a stuck sensor, spikes, a gap, an impossible
value, a drifting sensor) that the quality checks then catch.

The readings follow the city's shared weather (days of stagnant air and windy days), each
district's traffic and each sensor's own noise, so neighbouring sensors agree as real ones do and
a drifting one stands out against them. Stored in one bulk write: the whole seeder takes seconds.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from django.utils import timezone

from cocity.core.models import Area
from cocity.core.seeding import SeedContext, register
from cocity.sensing import services
from cocity.sensing.models import SensorType

DAYS = 90
AIR_PER_DISTRICT = 3
NOISE_PER_DISTRICT = 2


def _weather(ctx: SeedContext, hours: int) -> list[float]:
    """The city's air-mass factor per hour: slow swings over days, a stagnant spell now and
    then (inversions trap pollution), shared by every sensor."""
    phase = ctx.rng.uniform(0, 2 * math.pi)
    out = []
    spell = 0.0
    for h in range(hours):
        if h % 24 == 0:
            spell = 0.5 if ctx.rng.random() < 0.08 else spell * 0.6  # an inversion, then clearing
        out.append(1 + 0.3 * math.sin(2 * math.pi * h / (24 * 5.3) + phase) + spell)
    return out


def _air(
    ctx: SeedContext, base: float, weather: list[float], start_hour: int
) -> dict[str, list[float]]:
    pm25, pm10, no2 = [], [], []
    for h, w in enumerate(weather):
        hour = (start_hour + h) % 24
        rush = math.exp(-((hour - 8) ** 2) / 6) + math.exp(-((hour - 19) ** 2) / 8)
        p = max(0.5, base * w * (0.8 + 0.6 * rush) + ctx.rng.gauss(0, 1.2))
        pm25.append(round(p, 1))
        pm10.append(round(p * 1.7 + ctx.rng.gauss(0, 2), 1))
        no2.append(round(max(1.0, 12 + 30 * rush * w + ctx.rng.gauss(0, 3)), 1))
    return {"pm25": pm25, "pm10": pm10, "no2": no2}


def _noise(ctx: SeedContext, base: float, hours: int, start_hour: int) -> dict[str, list[float]]:
    laeq = []
    for h in range(hours):
        hour = (start_hour + h) % 24
        day = 1.0 if 7 <= hour <= 22 else 0.0
        laeq.append(round(base - 12 * (1 - day) + ctx.rng.gauss(0, 1.5), 1))
    return {"LAeq": laeq}


Plan = tuple[Area, str, str, str, dict[str, list[float]]]  # area, type, device, name, series


def _faults(plans: list[Plan], hours: int) -> list[str]:
    """Put the faults in (on the last weeks, which the periodic checks also look at)."""
    air = [p for p in plans if p[1] == SensorType.AIR_QUALITY]
    noise = [p for p in plans if p[1] == SensorType.NOISE]
    if len(air) < 8 or not noise:
        return []
    day = hours // 24
    stuck = air[1][4]["pm25"]  # frozen for 12 hours, five days before the end
    for h in range((day - 5) * 24 + 3, (day - 5) * 24 + 15):
        stuck[h] = 14.0
    spikes = air[3][4]["pm25"]
    for h in ((day - 11) * 24 + 11, (day - 6) * 24 + 2, (day - 3) * 24 + 20):
        spikes[h] = round(spikes[h] * 9 + 60, 1)
    for values in air[5][4].values():  # silent for 20 hours, nine days before the end
        for h in range((day - 9) * 24, (day - 9) * 24 + 20):
            values[h] = math.nan
    noise[0][4]["LAeq"][(day - 8) * 24 + 4] = 190.0  # no microphone measures this
    # over the last 30 days this one's PM2.5 creeps up to 12 µg/m³ above its neighbours':
    # every reading plausible, only the comparison shows it (drift)
    drift = air[7][4]["pm25"]
    span = min(30 * 24, len(drift))
    for h in range(len(drift) - span, len(drift)):
        drift[h] = round(drift[h] + 12 * (h - len(drift) + span) / span, 1)
    return [air[1][2], air[3][2], air[5][2], noise[0][2], air[7][2]]


@register("sensing", order=40)
def seed_sensing(ctx: SeedContext) -> None:
    districts = list(Area.objects.filter(kind=Area.Kind.DISTRICT).order_by("code"))
    end = timezone.now().replace(minute=0, second=0, microsecond=0)
    hours = DAYS * 24
    start = end - timedelta(hours=hours)
    weather = _weather(ctx, hours)
    # the first sensor of each kind in every district comes first (they carry the faults,
    # ``_faults``, each in another district), then the others
    first: list[Plan] = []
    more: list[Plan] = []
    for i, area in enumerate(districts):
        base = 7 + (i * 5) % 13  # some districts breathe worse air than others
        for k in range(AIR_PER_DISTRICT):
            device = f"aq-{area.code}" + (f"-{k + 1}" if k else "")
            name = f"Air · {area.name}" + (f" {k + 1}" if k else "")
            series = _air(ctx, base * ctx.rng.uniform(0.9, 1.1), weather, start.hour)
            (more if k else first).append((area, SensorType.AIR_QUALITY, device, name, series))
        for k in range(NOISE_PER_DISTRICT):
            device = f"noise-{area.code}" + (f"-{k + 1}" if k else "")
            name = f"Noise · {area.name}" + (f" {k + 1}" if k else "")
            level = 62 - i % 5 - 4 * k + ctx.rng.uniform(-1, 1)
            series = _noise(ctx, level, hours, start.hour)
            (more if k else first).append((area, SensorType.NOISE, device, name, series))
    plans = first + more
    faults = _faults(plans, hours)
    times = [start + timedelta(hours=h + 1) for h in range(hours)]
    writes = []
    for area, entity_type, device, name, series in plans:
        sensor = services.sensor_register(
            device_id=device,
            entity_type=entity_type,
            owner=None,
            lat=area.centroid_lat + ctx.rng.uniform(-0.004, 0.004),
            lon=area.centroid_lon + ctx.rng.uniform(-0.004, 0.004),
            name=name,
        )
        measures = [
            services.Measure(quantity, times[h], value)
            for quantity, values in series.items()
            for h, value in enumerate(values)
            if not math.isnan(value)
        ]
        writes.append((sensor, measures))
    services.readings_store_many(writes)
    checked_at: datetime = end + timedelta(hours=1)
    for sensor, _ in writes:
        services.sensor_check_quality(sensor=sensor, now=checked_at, window=timedelta(days=DAYS))
    ctx.log(
        f"{len(plans)} sensors with {DAYS} days of hourly readings "
        f"(faults put in on {', '.join(faults) or 'none'})"
    )


@register("sensing-evidence", order=45)
def seed_sensing_evidence(ctx: SeedContext) -> None:
    """After the sensors: drift flags, the default evidence rules, and their suggestions."""
    drifting = services.sensors_check_drift()
    services.evidence_rules_defaults()
    opened = services.evidence_evaluate()
    ctx.log(f"{len(drifting)} drifting sensors; {opened} needs suggested by the evidence rules")
