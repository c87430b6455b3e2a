from django.urls import path

from cocity.equity import api

urlpatterns = [
    path("indicators/", api.Indicators.as_view(), name="api-indicators"),
    path("districts/<slug:code>/", api.District.as_view(), name="api-district"),
    path("representation/", api.Representation.as_view(), name="api-representation"),
    path("inequality/", api.Inequality.as_view(), name="api-inequality"),
    path("alerts/", api.AlertList.as_view(), name="api-alerts"),
]
