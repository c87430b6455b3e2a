from django.urls import include, path

from cocity.cocreation import views

app_name = "cocreation"

urlpatterns = [
    path("", views.challenge_list, name="challenges"),
    path("new/", views.challenge_create, name="challenge_create"),
    path("moderation/", views.moderation, name="moderation"),
    path("<int:pk>/", views.challenge_detail, name="challenge"),
    path("<int:pk>/follow/", views.challenge_follow, name="challenge_follow"),
    path("<int:pk>/propose/", views.proposal_create, name="proposal_create"),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal"),
    path("proposals/<int:pk>/edit/", views.proposal_edit, name="proposal_edit"),
    path(
        "proposals/<int:pk>/versions/<int:number>/",
        views.proposal_version,
        name="proposal_version",
    ),
    path("proposals/<int:pk>/coauthors/", views.proposal_coauthor, name="proposal_coauthor"),
    path("proposals/<int:pk>/endorse/", views.proposal_endorse, name="proposal_endorse"),
    path("proposals/<int:pk>/comments/", views.comment_add, name="comment_add"),
    path("proposals/<int:pk>/initiative/", views.initiative_create, name="initiative_create"),
    path("initiatives/<int:pk>/", views.initiative_detail, name="initiative"),
    path("initiatives/<int:pk>/gate/", views.initiative_gate, name="initiative_gate"),
    path("initiatives/<int:pk>/indicators/", views.indicator_add, name="indicator_add"),
    path("initiatives/<int:pk>/measurements/", views.measurement_add, name="measurement_add"),
    path("initiatives/<int:pk>/milestones/", views.milestone_add, name="milestone_add"),
    path("milestones/<int:pk>/done/", views.milestone_done, name="milestone_done"),
    path("indicators/<int:pk>/series.csv", views.indicator_csv, name="indicator_csv"),
    # co-written plans (issue 18)
    path("plans/", include("cocity.cocreation.plans.urls")),
]
