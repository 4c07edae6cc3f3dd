from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from dsfr.forms import DsfrBaseForm

from .formats import ImportFileError, check_upload, thousands


class UploadForm(DsfrBaseForm):
    """The file to import. Its size is checked before it is read, its real type right after.
    A kind that needs more than the file (a year) subclasses it and says so in `options`."""

    file = forms.FileField(
        label="Fichier à importer",
        help_text=(
            f"CSV (séparé par des virgules ou des points-virgules), XLSX ou ODS ; "
            f"{filesizeformat(settings.IMPORT_MAX_BYTES)} et {thousands(settings.IMPORT_MAX_ROWS)} lignes au plus."
        ),
        widget=forms.FileInput(attrs={"accept": ".csv,.txt,.xlsx,.ods", "class": "fr-upload"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.group_class = "fr-upload-group"  # the DSFR file upload component

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        if uploaded.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                f"Le fichier dépasse la taille maximale acceptée ({filesizeformat(settings.IMPORT_MAX_BYTES)}) : "
                "découpez-le en plusieurs fichiers."
            )
        try:
            self.upload = check_upload(uploaded.name, uploaded.read())
        except ImportFileError as error:
            raise forms.ValidationError(str(error)) from error
        return uploaded

    def options(self):
        """What the import needs besides the file, as plain data kept in the session."""
        return {}


class ConfirmForm(DsfrBaseForm):
    """Confirms the file the dry run showed: its token must still be the pending one."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, expected_token, **kwargs):
        super().__init__(*args, **kwargs)
        self.expected_token = expected_token

    def clean_token(self):
        token = self.cleaned_data["token"]
        if token != self.expected_token:
            raise forms.ValidationError(
                "Un autre fichier a été déposé depuis cette vérification : vérifiez-le avant de l'importer."
            )
        return token
