from django.urls import path

from cocity.sensing import views

app_name = "sensing"

urlpatterns = [
    path("", views.sensor_list, name="list"),
    path("<int:pk>/", views.sensor_detail, name="detail"),
    path("districts/<slug:code>/", views.area_detail, name="area"),
    path("upload/", views.upload, name="upload"),
    path("keys/", views.keys, name="keys"),
    path("keys/<int:pk>/revoke/", views.key_revoke, name="key_revoke"),
    path("evidence/", views.evidence, name="evidence"),
    path("evidence/<int:pk>/<slug:action>/", views.evidence_decide, name="evidence_decide"),
]
