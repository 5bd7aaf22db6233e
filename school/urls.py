from django.urls import path

from . import views

app_name = "school"

urlpatterns = [
    path("students/<int:pk>/", views.student_detail, name="student_detail"),
    path("students/<int:pk>/photo/", views.student_photo, name="student_photo"),
    path("classes/<int:pk>/", views.class_group_detail, name="class_group_detail"),
    path("groups/<int:pk>/", views.teaching_group_detail, name="teaching_group_detail"),
    path("roster/import/", views.roster_import, name="roster_import"),
    path("roster/import/<int:pk>/", views.roster_import_detail, name="roster_import_detail"),
    path("roster/import/<int:pk>/apply/", views.roster_import_apply, name="roster_import_apply"),
]
