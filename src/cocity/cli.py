"""The ``cocity`` console command.

``cocity pb ...``, ``cocity opinion ...`` and ``cocity invest ...`` run pure algorithms without
Django; every other
sub-command is a Django management command (``cocity demo``, ``cocity serve``,
``cocity migrate``...).
"""

from __future__ import annotations

import os
import sys

ALIASES = {"seed-demo": "seed_demo", "mqtt-bridge": "mqtt_bridge"}


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "pb":
        from cocity.compute.pb.cli import main as pb_main

        return pb_main(args[1:])
    if args and args[0] == "opinion":
        from cocity.compute.opinion.cli import main as opinion_main

        return opinion_main(args[1:])
    if args and args[0] == "invest":
        from cocity.compute.invest.cli import main as invest_main

        return invest_main(args[1:])
    if args and args[0] in ALIASES:
        args[0] = ALIASES[args[0]]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cocity.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["cocity", *args])
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
