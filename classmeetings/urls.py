"""The classmeetings app's URLs. Each part keeps its own routes in its views module (`urlpatterns` there)."""

from .views import agreements, meeting_mode, minutes, people, preparation

app_name = "classmeetings"

urlpatterns = [
    *preparation.urlpatterns,
    *agreements.urlpatterns,
    *meeting_mode.urlpatterns,
    *minutes.urlpatterns,
    *people.urlpatterns,
]
