"""The boards app's URLs. Each board keeps its own routes in its views module (`urlpatterns` there)."""

from .views import care, improvement, progress
from .views import print as board_print

app_name = "boards"

urlpatterns = [
    *improvement.urlpatterns,
    *care.urlpatterns,
    *progress.urlpatterns,
    *board_print.urlpatterns,
]
