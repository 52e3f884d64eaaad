from django import forms

from annotator.catalog.services import UPLOAD_SUFFIXES


class DatasetUploadForm(forms.Form):
    name = forms.CharField(max_length=200)
    file = forms.FileField(
        help_text="A .jsonl file (content, path per line), or a .zip / .tar.gz of a source tree."
    )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("A dataset needs a name.")
        return name

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not (upload.name or "").lower().endswith(UPLOAD_SUFFIXES):
            raise forms.ValidationError("Upload a .jsonl, .zip or .tar.gz file.")
        return upload
