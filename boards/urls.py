"""The boards app's URLs. Each board keeps its own routes in its views module (`urlpatterns` there)."""

from .views import care, improvement, progress

app_name = "boards"

urlpatterns = [
    *improvement.urlpatterns,
    *care.urlpatterns,
    *progress.urlpatterns,
]
