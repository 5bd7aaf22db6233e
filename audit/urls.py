"""The audit app's URLs (included under /audit/)."""

from .views import urlpatterns

app_name = "audit"

__all__ = ["app_name", "urlpatterns"]
