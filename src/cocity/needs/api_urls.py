from django.urls import path

from cocity.needs import api

urlpatterns = [
    path("categories/", api.CategoryList.as_view(), name="api-needs-categories"),
    path("reports/", api.ReportList.as_view(), name="api-needs-reports"),
    path("reports/nearby/", api.Nearby.as_view(), name="api-needs-nearby"),
    path("reports/<int:pk>/", api.ReportDetail.as_view(), name="api-needs-report"),
    path("reports/<int:pk>/support/", api.Support.as_view(), name="api-needs-support"),
    path("cells/", api.Cells.as_view(), name="api-needs-cells"),
    path("points/", api.Points.as_view(), name="api-needs-points"),
]
