"""The project's URLs with the audit log mounted at /audit/, whether or not config.urls has it yet."""

from django.urls import include, path

from config.urls import urlpatterns as project_urlpatterns

urlpatterns = list(project_urlpatterns)
if not any(getattr(pattern, "namespace", None) == "audit" for pattern in urlpatterns):
    urlpatterns.append(path("audit/", include("audit.urls")))
