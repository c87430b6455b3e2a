from django.urls import path

from cocity.sensing import api

urlpatterns = [
    path("readings/upload", api.ReadingsUpload.as_view(), name="api-sensing-upload"),
]
