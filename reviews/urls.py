from django.urls import path

from .views import cycles, grid

app_name = "reviews"

urlpatterns = [
    # The entry grid (issue 3): one teaching group's lights, grades and advice in one cycle.
    path("phrases/", grid.phrases, name="phrases"),
    path("<int:cycle_pk>/groups/<int:group_pk>/", grid.grid_page, name="grid"),
    path(
        "<int:cycle_pk>/groups/<int:group_pk>/students/<int:student_pk>/",
        grid.entry_save,
        name="entry_save",
    ),
    path("<int:cycle_pk>/groups/<int:group_pk>/bulk/green/", grid.grid_bulk_green, name="grid_bulk_green"),
    path(
        "<int:cycle_pk>/groups/<int:group_pk>/bulk/copy-advice/",
        grid.grid_copy_advice,
        name="grid_copy_advice",
    ),
    # Cycles, phases, reminders, grades import, history and the light words (issue 3).
    path("", cycles.cycle_list, name="cycle_list"),
    path("new/", cycles.cycle_create, name="cycle_create"),
    path("settings/lights/", cycles.light_scheme, name="light_scheme"),
    path("<int:pk>/", cycles.cycle_detail, name="cycle_detail"),
    path("<int:pk>/advance/", cycles.cycle_advance, name="cycle_advance"),
    path("<int:pk>/remind/", cycles.cycle_remind, name="cycle_remind"),
    path("<int:pk>/reminders/<int:job_pk>/", cycles.reminder_status, name="reminder_status"),
    path("<int:pk>/groups/<int:group_pk>/grades/", cycles.grades_import, name="grades_import"),
    path(
        "<int:pk>/groups/<int:group_pk>/students/<int:student_pk>/history/",
        cycles.entry_history,
        name="entry_history",
    ),
]
