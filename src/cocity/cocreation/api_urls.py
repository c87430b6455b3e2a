from django.urls import include, path

from cocity.cocreation import api

urlpatterns = [
    path("challenges/", api.ChallengeList.as_view(), name="api-challenges"),
    path("challenges/<int:pk>/", api.ChallengeDetail.as_view(), name="api-challenge"),
    path("challenges/<int:pk>/proposals/", api.ProposalList.as_view(), name="api-proposals"),
    path("proposals/<int:pk>/", api.ProposalDetail.as_view(), name="api-proposal"),
    path(
        "proposals/<int:pk>/versions/", api.ProposalVersions.as_view(), name="api-proposal-versions"
    ),
    path("initiatives/", api.InitiativeList.as_view(), name="api-initiatives"),
    path("initiatives/<int:pk>/", api.InitiativeDetail.as_view(), name="api-initiative"),
    path(
        "indicators/<int:pk>/measurements/",
        api.MeasurementList.as_view(),
        name="api-measurements",
    ),
    # co-written plans (issue 18)
    path("plans/", include("cocity.cocreation.plans.api_urls")),
]
