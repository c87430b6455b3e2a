from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language
from django.views.static import serve as media_serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from cocity.core import health
from cocity.core.api import TokenObtain

admin.site.site_header = settings.COCITY_NAME + " · cocity"

urlpatterns = [
    # first: Open311 client apps send bursts of submissions, and each pattern tried before the
    # matching one costs every request a little
    path("open311/v2/", include("cocity.needs.open311_urls")),
    path("ngsi-ld/v1/", include("cocity.sensing.ngsi_urls")),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    # no CSRF token in the header's language form, so public pages stay the same for every
    # anonymous visitor (and cacheable); a forged request could only switch someone's language
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/token/", TokenObtain.as_view(), name="api-token"),
    path("api/", include("cocity.core.api_urls")),
    path("api/needs/", include("cocity.needs.api_urls")),
    path("needs/", include("cocity.needs.urls")),
    path("api/conversations/", include("cocity.deliberation.api_urls")),
    path("conversations/", include("cocity.deliberation.urls")),
    path("api/cocreation/", include("cocity.cocreation.api_urls")),
    path("challenges/", include("cocity.cocreation.urls")),
    path("api/budgets/", include("cocity.budgeting.api_urls")),
    path("budgets/", include("cocity.budgeting.urls")),
    path("sensors/", include("cocity.sensing.urls")),
    path("api/sensing/", include("cocity.sensing.api_urls")),
    path("api/investment/", include("cocity.investment.api_urls")),
    path("invest/", include("cocity.investment.urls")),
    path("api/equity/", include("cocity.equity.api_urls")),
    path("equity/", include("cocity.equity.urls")),
    path("open-data/", include("cocity.equity.opendata.urls")),
    path("", include("cocity.core.urls")),
]

if not settings.PRODUCTION:
    # Uploaded photos in the demo and in development; in production the proxy serves /media/.
    urlpatterns.insert(
        0, re_path(r"^media/(?P<path>.*)$", media_serve, {"document_root": settings.MEDIA_ROOT})
    )

handler400 = "cocity.core.views.error_400"
handler403 = "cocity.core.views.error_403"
handler404 = "cocity.core.views.error_404"
handler500 = "cocity.core.views.error_500"
