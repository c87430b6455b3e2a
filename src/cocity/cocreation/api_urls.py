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
        "initiatives/<int:pk>/timeline/",
        api.InitiativeTimeline.as_view(),
        name="api-initiative-timeline",
    ),
    path(
        "indicators/<int:pk>/measurements/",
        api.MeasurementList.as_view(),
        name="api-measurements",
    ),
    path("proposals/<int:pk>/amendments/", api.AmendmentList.as_view(), name="api-amendments"),
    path("amendments/<int:pk>/decide/", api.AmendmentDecide.as_view(), name="api-amendment-decide"),
    path("challenges/<int:pk>/meetings/", api.MeetingList.as_view(), name="api-meetings"),
    path("meetings/<int:pk>/", api.MeetingDetail.as_view(), name="api-meeting"),
    path(
        "meetings/<int:pk>/registration/",
        api.MeetingRegister.as_view(),
        name="api-meeting-register",
    ),
    path("initiatives/<int:pk>/survey/", api.SurveyAnswer.as_view(), name="api-survey"),
    path("indicators/<int:pk>/", api.IndicatorDetail.as_view(), name="api-indicator"),
    # co-written plans (issue 18)
    path("plans/", include("cocity.cocreation.plans.api_urls")),
]
