from __future__ import annotations

import os
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve cocity with gunicorn (static files by whitenoise)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("COCITY_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2"))
        )
        parser.add_argument("--threads", type=int, default=1)
        parser.add_argument("--no-collectstatic", action="store_true")

    def handle(
        self,
        *args: Any,
        host: str,
        port: int,
        workers: int,
        threads: int,
        no_collectstatic: bool,
        **options: Any,
    ) -> None:
        if settings.PRODUCTION and not no_collectstatic:
            call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(
            f"Serving {settings.COCITY_NAME} on http://{host}:{port}/ ({workers} workers)"
        )
        self.stdout.flush()
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "cocity.wsgi:application",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--access-logfile",
            "-",
            "--timeout",
            "60",
            "--graceful-timeout",
            "20",
        ]
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cocity.settings")
        os.execv(sys.executable, argv)
