"""gunicorn settings for ``cocity serve``: its error and access logs as JSON lines on stderr.

Used as ``gunicorn --config python:cocity.core.gunicorn_conf cocity.wsgi:application``
(``cocity serve`` passes it). gunicorn applies ``logconfig_dict`` in the arbiter before any
worker starts; Django's own ``LOGGING`` (the same JSON formatter) takes over the root logger
in each worker, so application, error and access lines all look alike.
"""

from __future__ import annotations

import os

logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "cocity.core.logging.JsonFormatter"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        }
    },
    "root": {"handlers": ["stderr"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # own handlers, not propagated: Django's LOGGING re-configures the root in each worker
        "gunicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}
