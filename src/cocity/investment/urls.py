from django.urls import path

from cocity.investment import views

app_name = "investment"

urlpatterns = [
    path("", views.index, name="index"),
    path("campaigns/new/", views.campaign_create, name="campaign_create"),
    path("campaigns/<slug:slug>/", views.campaign_detail, name="campaign"),
    path("campaigns/<slug:slug>/roles/", views.role_add, name="role_add"),
    path("campaigns/<slug:slug>/pledge/", views.pledge, name="pledge"),
    path("campaigns/<slug:slug>/roles/<int:pk>/", views.signup, name="signup"),
    path("campaigns/<slug:slug>/pledges/<int:pk>/collect/", views.collect, name="collect"),
    path("calls/new/", views.call_create, name="call_create"),
    path("calls/<slug:slug>/", views.call_detail, name="call"),
    path("calls/<slug:slug>/close/", views.call_close, name="call_close"),
    path("calls/<slug:slug>/pledges.<str:fmt>", views.call_export, name="call_export"),
    path("offerings/new/", views.offering_create, name="offering_create"),
    path("offerings/<slug:slug>/", views.offering_detail, name="offering"),
    path("offerings/<slug:slug>/request/", views.offering_request, name="offering_request"),
    path("offerings/<slug:slug>/allocate/", views.offering_allocate, name="offering_allocate"),
]
