from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from tutor.content.views import home
from tutor.ops.health import healthz, readyz
from tutor.ops.metrics import metrics

# drf-spectacular's Swagger page holds one inline <style> (box sizing), allowed by its hash: nothing
# else inline. tests/browser/test_csp_in_browser.py fails should a new drf-spectacular change it.
SWAGGER_PAGE_STYLE = "'sha256-MMpT0iDxyjALd9PdfepImGX3DBfJPXZ4IlDWdPAgtn0='"
api_docs = csp_update({"style-src": [SWAGGER_PAGE_STYLE]})(SpectacularSwaggerSplitView.as_view(url_name="schema"))

urlpatterns = [
    path("", home, name="home"),
    path("admin/", admin.site.urls),
    path("accounts/", include("tutor.accounts.urls")),
    path("learn/", include("tutor.learning.urls")),
    path("teach/", include("tutor.dashboard.urls")),
    path("privacy/", include("tutor.privacy.urls")),
    path("api/v1/", include("tutor.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view loads its start-up script from a URL, not inline, so the CSP holds on the docs page too.
    path("api/docs/", api_docs, name="api-docs"),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics, name="metrics"),
]
