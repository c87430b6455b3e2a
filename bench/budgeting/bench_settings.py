"""Settings of the benchmark's served process: cocity's own, with a URLconf that adds the
floor view. Selected with DJANGO_SETTINGS_MODULE=bench_settings (bench/budgeting on PYTHONPATH)."""

from cocity.settings import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
