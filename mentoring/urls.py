"""The mentoring app's URLs. Each part keeps its own routes in its views module (`urlpatterns` there)."""

from .views import dashboard, escalations, insight, meetings, portal, prep_sheets, questions, reflection, talks

app_name = "mentoring"

urlpatterns = [
    *dashboard.urlpatterns,
    *questions.urlpatterns,
    *escalations.urlpatterns,
    *meetings.urlpatterns,
    *insight.urlpatterns,
    # Step 4: published feedback, the student's voice, mentor talks and prep sheets.
    *portal.urlpatterns,
    *reflection.urlpatterns,
    *talks.urlpatterns,
    *prep_sheets.urlpatterns,
]
