"""Demo sensors: air quality and noise in every district, two weeks of hourly readings with
faults put in on purpose (a stuck sensor, spikes, a gap, an impossible value) that the quality
checks then catch."""

from __future__ import annotations

import math
from datetime import timedelta

from django.utils import timezone

from cocity.core.models import Area
from cocity.core.seeding import SeedContext, register
from cocity.sensing import services
from cocity.sensing.models import SensorType

DAYS = 14
NOISE_DISTRICTS = 4  # the first districts also get a noise sensor


def _air(ctx: SeedContext, base: float, hours: int) -> dict[str, list[float]]:
    pm25, pm10, no2 = [], [], []
    for h in range(hours):
        hour = h % 24
        rush = math.exp(-((hour - 8) ** 2) / 6) + math.exp(-((hour - 19) ** 2) / 8)
        weather = 1 + 0.35 * math.sin(2 * math.pi * h / (24 * 5.3))  # slow swings over days
        p = max(0.5, base * weather * (0.8 + 0.6 * rush) + ctx.rng.gauss(0, 1.2))
        pm25.append(round(p, 1))
        pm10.append(round(p * 1.7 + ctx.rng.gauss(0, 2), 1))
        no2.append(round(max(1.0, 12 + 30 * rush * weather + ctx.rng.gauss(0, 3)), 1))
    return {"pm25": pm25, "pm10": pm10, "no2": no2}


def _noise(ctx: SeedContext, base: float, hours: int) -> dict[str, list[float]]:
    laeq = []
    for h in range(hours):
        hour = h % 24
        day = 1.0 if 7 <= hour <= 22 else 0.0
        laeq.append(round(base - 12 * (1 - day) + ctx.rng.gauss(0, 1.5), 1))
    return {"LAeq": laeq}


@register("sensing", order=40)
def seed_sensing(ctx: SeedContext) -> None:
    districts = list(Area.objects.filter(kind=Area.Kind.DISTRICT).order_by("code"))
    end = timezone.now().replace(minute=0, second=0, microsecond=0)
    hours = DAYS * 24
    start = end - timedelta(hours=hours)
    plans: list[tuple[Area, str, str, dict[str, list[float]]]] = []
    for i, area in enumerate(districts):
        base = 7 + (i * 5) % 13  # some districts breathe worse air than others
        plans.append((area, SensorType.AIR_QUALITY, f"aq-{area.code}", _air(ctx, base, hours)))
        if i < NOISE_DISTRICTS:
            plans.append((area, SensorType.NOISE, f"noise-{area.code}", _noise(ctx, 62 - i, hours)))
    faults = []
    air = [p for p in plans if p[1] == SensorType.AIR_QUALITY]
    noise = [p for p in plans if p[1] == SensorType.NOISE]
    if len(air) >= 6 and noise:
        stuck = air[1][3]["pm25"]  # frozen for 12 hours on day 5
        for h in range(5 * 24 + 3, 5 * 24 + 15):
            stuck[h] = 14.0
        spikes = air[3][3]["pm25"]
        for h in (3 * 24 + 11, 8 * 24 + 2, 11 * 24 + 20):
            spikes[h] = round(spikes[h] * 9 + 60, 1)
        for values in air[5][3].values():  # silent for 20 hours on day 9
            for h in range(9 * 24, 9 * 24 + 20):
                values[h] = math.nan
        noise[0][3]["LAeq"][6 * 24 + 4] = 190.0  # no microphone measures this
        faults = [air[1][2], air[3][2], air[5][2], noise[0][2]]
    for area, entity_type, device, series in plans:
        jitter_lat = ctx.rng.uniform(-0.002, 0.002)
        jitter_lon = ctx.rng.uniform(-0.002, 0.002)
        measures = [
            services.Measure(name, start + timedelta(hours=h + 1), value)
            for name, values in series.items()
            for h, value in enumerate(values)
            if not math.isnan(value)
        ]
        kind = "Air" if entity_type == SensorType.AIR_QUALITY else "Noise"
        sensor = services.sensor_register(
            device_id=device,
            entity_type=entity_type,
            owner=None,
            lat=area.centroid_lat + jitter_lat,
            lon=area.centroid_lon + jitter_lon,
            name=f"{kind} · {area.name}",
            measures=measures,
        )
        services.sensor_check_quality(sensor=sensor, now=end + timedelta(hours=1))
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
