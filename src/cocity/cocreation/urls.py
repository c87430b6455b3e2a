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
    # amendments, meetings, gate surveys, goal edits (issue 15, second part)
    path("proposals/<int:pk>/amend/", views.amendment_create, name="proposal_amendment_create"),
    path("amendments/<int:pk>/", views.amendment_detail, name="proposal_amendment"),
    path("amendments/<int:pk>/decide/", views.amendment_decide, name="proposal_amendment_decide"),
    path("meetings/", views.meeting_list, name="meetings"),
    path("<int:pk>/meetings/new/", views.meeting_create, name="meeting_create"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/register/", views.meeting_register, name="meeting_register"),
    path("meetings/<int:pk>/report/", views.meeting_report, name="meeting_report"),
    path("meetings/<int:pk>/meeting.ics", views.meeting_ics, name="meeting_ics"),
    path("initiatives/<int:pk>/survey/", views.survey_answer, name="survey_answer"),
    path("initiatives/<int:pk>/measure/", views.measurements_fill, name="measurements_fill"),
    path("indicators/<int:pk>/edit/", views.indicator_edit, name="indicator_edit"),
    path("milestones/<int:pk>/edit/", views.milestone_edit, name="milestone_edit"),
    # co-written plans (issue 18)
    path("plans/", include("cocity.cocreation.plans.urls")),
]
