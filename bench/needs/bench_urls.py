"""cocity's URLs plus ``POST /bench/floor``: the floor of the write path, a bare view that does
one INSERT through Django's cursor and answers JSON, behind the same middleware."""

import json

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from cocity.urls import handler400, handler403, handler404, handler500  # noqa: F401
from cocity.urls import urlpatterns as cocity_urlpatterns


@csrf_exempt
def floor(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_floor (body, created_at) VALUES (%s, %s)",
            [json.dumps(request.POST.dict()), timezone.now().isoformat()],
        )
    return JsonResponse([{"service_request_id": "0", "token": "floor"}], safe=False)


urlpatterns = [path("bench/floor", floor), *cocity_urlpatterns]
