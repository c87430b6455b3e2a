"""Pages of co-written plans, included under /challenges/plans/ in the cocreation namespace."""

from django.urls import path

from cocity.cocreation.plans import views

urlpatterns = [
    path("", views.plan_list, name="plans"),
    path("new/", views.plan_create, name="plan_create"),
    path("mine/", views.plan_mine, name="plan_mine"),
    path("<int:pk>/", views.plan_detail, name="plan"),
    path("<int:pk>/open/", views.plan_open, name="plan_open"),
    path("<int:pk>/follow/", views.plan_follow, name="plan_follow"),
    path("<int:pk>/publish/", views.plan_publish, name="plan_publish"),
    path("<int:pk>/contributions.csv", views.plan_csv, name="plan_csv"),
    path("<int:pk>/versions/<int:number>/", views.plan_version, name="plan_version"),
    path("<int:pk>/versions/<int:number>.md", views.plan_version_markdown, name="plan_version_md"),
    path("<int:pk>/sections/<int:sid>/", views.plan_section, name="plan_section"),
    path("<int:pk>/sections/<int:sid>/comments/", views.plan_comment, name="plan_comment"),
    path("<int:pk>/sections/<int:sid>/amendments/", views.plan_amend, name="plan_amend"),
    path("<int:pk>/sections/<int:sid>/edit/", views.plan_section_edit, name="plan_section_edit"),
    path("<int:pk>/sections/<int:sid>/move/", views.plan_section_move, name="plan_section_move"),
    path("amendments/<int:aid>/support/", views.amendment_support, name="amendment_support"),
    path("amendments/<int:aid>/decide/", views.amendment_decide, name="amendment_decide"),
    path("comments/<int:cid>/address/", views.comment_address, name="plan_comment_address"),
    path("comments/<int:cid>/flag/", views.comment_flag, name="plan_comment_flag"),
    path("comments/<int:cid>/moderate/", views.comment_moderate, name="plan_comment_moderate"),
]
