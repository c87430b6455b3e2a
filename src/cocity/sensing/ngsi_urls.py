"""NGSI-LD at exactly ``/ngsi-ld/v1/``; each path with or without a trailing slash."""

from django.urls import re_path

from cocity.sensing import ngsi

app_name = "ngsi-ld"

ID = r"(?P<entity_id>[^/]+)"

urlpatterns = [
    re_path(r"^entities/?$", ngsi.entities, name="entities"),
    re_path(rf"^entities/{ID}/attrs/?$", ngsi.entity_attrs, name="entity_attrs"),
    re_path(rf"^entities/{ID}/?$", ngsi.entity, name="entity"),
    re_path(
        r"^entityOperations/(?P<operation>create|upsert|update|delete)/?$",
        ngsi.batch,
        name="batch",
    ),
    re_path(rf"^temporal/entities/{ID}/?$", ngsi.temporal_entity, name="temporal_entity"),
    re_path(r"^notifications/?$", ngsi.notifications_in, name="notifications_in"),
    re_path(r"^subscriptions/?$", ngsi.subscriptions_view, name="subscriptions"),
    re_path(r"^subscriptions/(?P<sub_id>[^/]+)/?$", ngsi.subscription_view, name="subscription"),
]
