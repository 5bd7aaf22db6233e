"""Roster pages. Thin: policy → selector → render."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import policies, selectors


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "school/home.html", {"home": selectors.home_for(request.user)})


def student_detail(request: HttpRequest, pk: int) -> HttpResponse:
    student = policies.student_get_for_user(request.user, pk)
    return render(
        request, "school/student_detail.html", {"student": selectors.student_page(student, viewer=request.user)}
    )


def class_group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    class_group = policies.class_group_get_for_user(request.user, pk)
    return render(request, "school/class_group_detail.html", {"class_group": selectors.class_group_page(class_group)})


def teaching_group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    group = policies.teaching_group_get_for_user(request.user, pk)
    return render(request, "school/teaching_group_detail.html", {"group": selectors.teaching_group_page(group)})
