from django.urls import path

from cocity.deliberation import api

urlpatterns = [
    path("", api.ConversationList.as_view(), name="api-conversations"),
    path("<int:pk>/", api.ConversationDetail.as_view(), name="api-conversation"),
    path("<int:pk>/statements/", api.StatementList.as_view(), name="api-conversation-statements"),
    path("<int:pk>/votes/", api.VoteCreate.as_view(), name="api-conversation-votes"),
    path("<int:pk>/results/", api.Results.as_view(), name="api-conversation-results"),
]
