"""The classmeetings app's URLs. Each part keeps its own routes in its views module (`urlpatterns` there)."""

from .views import preparation

app_name = "classmeetings"

urlpatterns = [
    *preparation.urlpatterns,
]
