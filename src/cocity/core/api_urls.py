from django.urls import path

from cocity.core import api

urlpatterns = [
    path("areas/", api.AreaList.as_view(), name="api-areas"),
    path("areas/locate/", api.AreaLocate.as_view(), name="api-area-locate"),
    path("areas/<slug:code>/", api.AreaDetail.as_view(), name="api-area"),
    path("departments/", api.DepartmentList.as_view(), name="api-departments"),
    path("organisations/", api.OrganisationList.as_view(), name="api-organisations"),
    path("audit/", api.AuditList.as_view(), name="api-audit"),
    path("me/", api.Me.as_view(), name="api-me"),
    path("me/consents/", api.Consents.as_view(), name="api-consents"),
    path("me/data/", api.MyData.as_view(), name="api-my-data"),
]
