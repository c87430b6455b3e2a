from django.urls import path

from cocity.equity.opendata import views

app_name = "opendata"

urlpatterns = [
    path("", views.index, name="index"),
    path("catalog.jsonld", views.catalog_jsonld, name="catalog"),
    path("<slug:dataset>/", views.dataset, name="dataset"),
    path("<slug:dataset>/v<int:version>/datapackage.json", views.datapackage, name="datapackage"),
    path("<slug:dataset>/v<int:version>/<str:name>", views.file, name="file"),
    path("<slug:dataset>/latest/<str:name>", views.file_latest, name="latest"),
]
