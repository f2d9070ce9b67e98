from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from tutor.content.views import home
from tutor.learning.views import plotly_js

urlpatterns = [
    path("", home, name="home"),
    path("admin/", admin.site.urls),
    path("accounts/", include("tutor.accounts.urls")),
    path("learn/", include("tutor.learning.urls")),
    path("teach/", include("tutor.dashboard.urls")),
    path("privacy/", include("tutor.privacy.urls")),
    path("js/plotly.min.js", plotly_js, name="plotly-js"),
    path("api/v1/", include("tutor.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]
