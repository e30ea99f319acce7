"""The back office's upload of a placement or payment file: who may send what, and a file checked before
anything is created (its type, size, encoding and header); the import itself is imports.services'."""

from contextlib import contextmanager
from pathlib import Path
from tempfile import NamedTemporaryFile

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from arrears.core import roles
from arrears.imports import services
from arrears.imports.models import ImportBatch, ImportKind, ImportProfile
from arrears.imports.readers import FileFormat, check_file
from arrears.portfolio.models import Creditor, Portfolio

MAX_UPLOAD_BYTES = 512 * 2**20  # a million placement rows are about 200 MiB of CSV
UPLOAD_ACTIONS = (roles.PLACE_ACCOUNTS, roles.POST_PAYMENTS)


def visible(queryset, user):
    """What the user may see for at least one kind of import, through the one scoping mechanism."""
    ids = set()
    for action in UPLOAD_ACTIONS:
        ids |= set(queryset.visible_to(user, action).values_list("pk", flat=True))
    return queryset.filter(pk__in=ids)


def may_upload(user) -> bool:
    return user.is_active and user.is_staff and any(user.may(action) for action in UPLOAD_ACTIONS)


class ProfileChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, profile):
        return f"{profile.creditor} · {profile.name} ({profile.get_kind_display()})"


class UploadForm(forms.Form):
    creditor = forms.ModelChoiceField(label=_("Creditor"), queryset=Creditor.objects.none())
    kind = forms.ChoiceField(label=_("Kind of file"), choices=ImportKind.choices)
    profile = ProfileChoiceField(label=_("Column-mapping profile"), queryset=ImportProfile.objects.none(),
                                 help_text=_("How this creditor's files read: which column is which field."))
    portfolio = forms.ModelChoiceField(
        label=_("Portfolio"), queryset=Portfolio.objects.none(), required=False,
        help_text=_("Placements only: where rows that name no portfolio go. Empty: the profile's default."))
    mode = forms.ChoiceField(
        label=_("Apply"), choices=ImportBatch.Mode.choices, initial=ImportBatch.Mode.ALL_OR_NOTHING,
        help_text=_("Nothing is applied before the whole file is validated; once you have seen its report you "
                    "apply the batch from the list of batches (its actions)."))
    file = forms.FileField(label=_("File"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["file"].help_text = _("CSV (.csv, .txt) or XLSX (.xlsx), up to %(size)s.") % {
            "size": filesizeformat(MAX_UPLOAD_BYTES)}
        self.fields["creditor"].queryset = visible(Creditor.objects.all(), user)
        self.fields["profile"].queryset = visible(ImportProfile.objects.select_related("creditor"), user)
        self.fields["portfolio"].queryset = visible(Portfolio.objects.select_related("creditor"), user)
        self.batch = None

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(_("The file is %(size)s; at most %(max)s can be uploaded.")
                                  % {"size": filesizeformat(upload.size), "max": filesizeformat(MAX_UPLOAD_BYTES)},
                                  code="too_large")
        return upload

    def clean(self):
        cleaned = super().clean()
        creditor, kind, profile = cleaned.get("creditor"), cleaned.get("kind"), cleaned.get("profile")
        portfolio = cleaned.get("portfolio")
        if creditor and profile and profile.creditor_id != creditor.pk:
            self.add_error("profile", _("Profile “%(name)s” is %(owner)s's, not %(creditor)s's.")
                           % {"name": profile.name, "owner": profile.creditor, "creditor": creditor})
        elif kind and profile and profile.kind != kind:
            self.add_error("profile", _("Profile “%(name)s” reads %(kind)s files.")
                           % {"name": profile.name, "kind": profile.get_kind_display().lower()})
        if portfolio and kind == ImportKind.PAYMENTS:
            self.add_error("portfolio", _("A payment file names each account; it takes no portfolio."))
        elif portfolio and creditor and portfolio.creditor_id != creditor.pk:
            self.add_error("portfolio", _("Portfolio %(portfolio)s is not %(creditor)s's.")
                           % {"portfolio": portfolio, "creditor": creditor})
        if not self.errors and cleaned.get("file") is not None:
            self._check_file(cleaned["file"], profile)
        return cleaned

    def _check_file(self, upload, profile: ImportProfile) -> None:
        with on_disk(upload) as path:
            try:
                check_file(path, upload.name, FileFormat(profile.delimiter, profile.encoding), list(profile.columns))
            except ValidationError as exc:
                self.add_error("file", exc.messages)

    def start(self) -> ImportBatch:
        """Create the batch and start its validation as a task; a refusal (the same file again, a right the
        user lacks) becomes the form's error and creates nothing."""
        data = self.cleaned_data
        upload = data["file"]
        try:
            with on_disk(upload) as path:
                self.batch = services.start_import(
                    actor=self.user, creditor=data["creditor"], profile=data["profile"], file_name=upload.name,
                    path=path, mode=data["mode"], portfolio=data.get("portfolio"), background=True)
        except ValidationError as exc:
            for name, messages in (exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}).items():
                self.add_error(name if name in self.fields else None, messages)
        except PermissionDenied as exc:
            self.add_error(None, str(exc))
        return self.batch


@contextmanager
def on_disk(upload):
    """The uploaded file as a path: Django's own temporary file when it wrote one, else a copy."""
    if hasattr(upload, "temporary_file_path"):
        yield Path(upload.temporary_file_path())
        return
    with NamedTemporaryFile(suffix=Path(upload.name).suffix) as copy:
        for block in upload.chunks():
            copy.write(block)
        copy.flush()
        yield Path(copy.name)
