from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("", views.index, name="index"),
    path("students/<int:pk>/", views.student, name="student"),
    path("students/<int:pk>/export.json", views.student_export_json, name="student_export_json"),
    path("students/<int:pk>/export.pdf", views.student_export_pdf, name="student_export_pdf"),
]
