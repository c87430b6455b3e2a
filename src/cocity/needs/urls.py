from django.urls import path

from cocity.needs import sms, views

app_name = "needs"

urlpatterns = [
    path("", views.report_list, name="list"),
    path("map/", views.report_map_page, name="map"),
    path("report/", views.report_new, name="report_new"),
    path("submitted/<str:token>/", views.report_submitted, name="submitted"),
    path("track/<str:token>/", views.report_track, name="track"),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("<int:pk>/support/", views.report_support, name="support"),
    path("<int:pk>/follow/", views.report_follow, name="follow"),
    path("sms/", sms.inbound, name="sms"),
    path("triage/", views.triage_list, name="triage"),
    path("triage/<int:pk>/", views.triage_report, name="triage_report"),
    path("categories/", views.category_list, name="categories"),
    path("categories/<int:pk>/", views.category_edit, name="category_edit"),
    path("templates/", views.response_template_list, name="templates"),
    path("templates/<int:pk>/", views.response_template_edit, name="template_edit"),
    path("open311-keys/", views.open311_keys, name="open311_keys"),
    path("open311-apps/", views.open311_apps, name="open311_apps"),
    path("open311-keys/<int:pk>/revoke/", views.open311_key_revoke, name="open311_key_revoke"),
]
