from django.urls import path

from cocity.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("districts/<slug:code>/", views.area_detail, name="area"),
    path("audit/", views.audit_log, name="audit"),
    path("me/", views.my_account, name="account"),
    path("me/privacy/", views.privacy, name="privacy"),
    path("me/name/", views.public_name, name="public_name"),
    path("me/data.json", views.my_data, name="my_data"),
    path("me/delete/", views.delete_account, name="delete_account"),
    path("notifications/", views.notifications, name="notifications"),
]
