from django.urls import path

from cocity.equity import views

app_name = "equity"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("districts/<slug:code>/", views.district, name="district"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert"),
]
