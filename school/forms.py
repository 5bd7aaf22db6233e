"""Forms of the roster pages: validation and clean user-facing errors."""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented recipe): returns a list."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None) -> list[UploadedFile]:
        single = super().clean
        if isinstance(data, list | tuple) and data:
            return [single(item, initial) for item in data]
        return [single(data or None, initial)]  # an empty list is "no file": the required check applies


class RosterUploadForm(forms.Form):
    files = MultipleFileField(
        label=_("Roster files"),
        help_text=_(
            "One zip file with the CSV files, or all CSV files at once: a OneRoster 1.1 export, or the simple "
            "set (leerlingen.csv, medewerkers.csv, klassen.csv, ...)."
        ),
        widget=MultipleFileInput(attrs={"accept": ".zip,.csv,application/zip,text/csv"}),
    )

    def clean_files(self) -> list[UploadedFile]:
        files = self.cleaned_data["files"]
        suffixes = [Path(upload.name).suffix.lower() for upload in files]
        for upload, suffix in zip(files, suffixes, strict=True):
            if suffix not in (".zip", ".csv"):
                raise ValidationError(
                    _("“%(name)s” is not a zip or CSV file. From Excel, save each sheet as CSV."),
                    code="file_type",
                    params={"name": upload.name},
                )
        if ".zip" in suffixes and len(files) > 1:
            raise ValidationError(_("Upload one zip file, or CSV files without a zip."), code="mixed")
        size = sum(upload.size for upload in files)
        if size > settings.ROSTER_UPLOAD_MAX_BYTES:
            raise ValidationError(
                _("The upload is %(size)s; it may be at most %(max)s."),
                code="too_large",
                params={"size": filesizeformat(size), "max": filesizeformat(settings.ROSTER_UPLOAD_MAX_BYTES)},
            )
        return files


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """A service's ValidationError on the form: per field where it names one of the form's fields, else general."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)
