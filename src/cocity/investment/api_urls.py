from django.urls import path

from cocity.investment import api

urlpatterns = [
    path("calls/", api.CallList.as_view(), name="api-invest-calls"),
    path("calls/<slug:slug>/", api.CallDetail.as_view(), name="api-invest-call"),
    path("calls/<slug:slug>/pledges/", api.CallExport.as_view(), name="api-invest-call-pledges"),
    path("campaigns/", api.CampaignList.as_view(), name="api-invest-campaigns"),
    path("campaigns/<slug:slug>/", api.CampaignDetail.as_view(), name="api-invest-campaign"),
    path(
        "campaigns/<slug:slug>/pledges/",
        api.CampaignPledge.as_view(),
        name="api-invest-campaign-pledge",
    ),
    path("offerings/", api.OfferingList.as_view(), name="api-invest-offerings"),
]
