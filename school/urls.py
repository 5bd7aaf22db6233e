from django.urls import path

from . import views

app_name = "school"

urlpatterns = [
    path("students/<int:pk>/", views.student_detail, name="student_detail"),
    path("classes/<int:pk>/", views.class_group_detail, name="class_group_detail"),
    path("groups/<int:pk>/", views.teaching_group_detail, name="teaching_group_detail"),
]
