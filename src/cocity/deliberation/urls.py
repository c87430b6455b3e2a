from django.urls import path

from cocity.deliberation import views

app_name = "deliberation"

urlpatterns = [
    path("", views.conversation_list, name="list"),
    path("new/", views.conversation_create, name="create"),
    path("moderation/", views.moderation, name="moderation"),
    path("<int:pk>/", views.conversation_detail, name="detail"),
    path("<int:pk>/vote/", views.vote, name="vote"),
    path("<int:pk>/statements/", views.statement_add, name="statement_add"),
    path("<int:pk>/results/", views.results, name="results"),
    path("<int:pk>/moderate/", views.moderate, name="moderate"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/export/<str:name>.csv", views.export, name="export"),
]
