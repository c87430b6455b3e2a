"""cocity's URLs plus ``POST /bench/floor``: the floor of casting a ballot, a bare view that
does one INSERT through Django's cursor and redirects, behind the same middleware (CSRF
included, like the ballot form)."""

import json

from django.db import connection
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import path

from cocity.urls import handler400, handler403, handler404, handler500  # noqa: F401
from cocity.urls import urlpatterns as cocity_urlpatterns


def floor(request: HttpRequest) -> HttpResponseRedirect:
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_floor (body) VALUES (%s)", [json.dumps(request.POST)])
    return HttpResponseRedirect("/budgets/")


urlpatterns = [path("bench/floor", floor), *cocity_urlpatterns]
