from django.urls import path

from cocity.budgeting import api

urlpatterns = [
    path("", api.ProcessList.as_view(), name="api-budgets"),
]
