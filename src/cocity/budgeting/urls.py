from django.urls import path

from cocity.budgeting import views

app_name = "budgeting"

urlpatterns = [
    path("", views.process_list, name="list"),
    path("new/", views.process_create, name="create"),
    path("receipt/", views.receipt, name="receipt"),
    path("<slug:slug>/", views.process_detail, name="detail"),
    path("<slug:slug>/edit/", views.process_edit, name="edit"),
    path("<slug:slug>/manage/", views.manage, name="manage"),
    path("<slug:slug>/phase/", views.phase_set, name="phase"),
    path("<slug:slug>/envelopes/", views.envelope_add, name="envelope_add"),
    path(
        "<slug:slug>/envelopes/<slug:envelope>/amount/",
        views.envelope_amount,
        name="envelope_amount",
    ),
    path("<slug:slug>/split/", views.split, name="split"),
    path("<slug:slug>/tally/", views.tally, name="tally"),
    path("<slug:slug>/eligibility/", views.eligibility_upload, name="eligibility"),
    path("<slug:slug>/phone/", views.phone, name="phone"),
    path("<slug:slug>/booth-helpers/", views.booth_helpers, name="booth_helpers"),
    path("<slug:slug>/ideas/<int:pk>/", views.idea_detail, name="idea"),
    path("<slug:slug>/ideas/<int:pk>/review/", views.idea_review, name="idea_review"),
    path("<slug:slug>/ideas/<int:pk>/support/", views.idea_support, name="idea_support"),
    path("<slug:slug>/ideas/<int:pk>/merge/", views.merge_propose, name="merge_propose"),
    path("<slug:slug>/ideas/<int:pk>/progress/", views.implementation, name="implementation"),
    path("<slug:slug>/merges/<int:pk>/", views.merge, name="merge"),
    path("<slug:slug>/shortlist/", views.shortlist, name="shortlist"),
    path("<slug:slug>/<slug:envelope>.pb", views.pb_download, name="pb"),
    path("<slug:slug>/<slug:envelope>/", views.envelope_detail, name="envelope"),
    path("<slug:slug>/<slug:envelope>/ideas/new/", views.idea_create, name="idea_create"),
    path("<slug:slug>/<slug:envelope>/vote/", views.ballot, name="ballot"),
    path("<slug:slug>/<slug:envelope>/vote/code/", views.ballot_code, name="ballot_code"),
    path("<slug:slug>/<slug:envelope>/paper/", views.paper, name="paper"),
    path("<slug:slug>/<slug:envelope>/assisted/", views.assisted, name="assisted"),
    path("<slug:slug>/<slug:envelope>/codes/", views.codes, name="codes"),
    path("<slug:slug>/<slug:envelope>/results/", views.results, name="results"),
]
