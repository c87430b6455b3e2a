"""REST API of co-written plans, included under /api/cocreation/plans/."""

from django.urls import path

from cocity.cocreation.plans import api

urlpatterns = [
    path("", api.PlanList.as_view(), name="api-plans"),
    path("<int:pk>/", api.PlanDetail.as_view(), name="api-plan"),
    path("<int:pk>/follow/", api.PlanFollowView.as_view(), name="api-plan-follow"),
    path("<int:pk>/versions/", api.PlanVersions.as_view(), name="api-plan-versions"),
    path(
        "<int:pk>/versions/<int:number>/",
        api.PlanVersionDetail.as_view(),
        name="api-plan-version",
    ),
    path("sections/<int:pk>/comments/", api.SectionComments.as_view(), name="api-plan-comments"),
    path("sections/<int:pk>/groups/", api.SectionGroups.as_view(), name="api-plan-groups"),
    path(
        "sections/<int:pk>/position/",
        api.SectionPosition.as_view(),
        name="api-plan-section-position",
    ),
    path("comments/<int:pk>/flag/", api.CommentFlag.as_view(), name="api-plan-comment-flag"),
    path(
        "sections/<int:pk>/amendments/",
        api.SectionAmendments.as_view(),
        name="api-plan-amendments",
    ),
    path(
        "amendments/<int:pk>/support/",
        api.AmendmentSupportView.as_view(),
        name="api-amendment-support",
    ),
    path(
        "amendments/<int:pk>/decision/",
        api.AmendmentDecision.as_view(),
        name="api-amendment-decision",
    ),
]
