"""Staff forms (Django forms, rendered with the NHS.UK frontend macros by
:func:`readiness.web.forms.nhs_field`)."""

from __future__ import annotations

from django import forms

from readiness.web.accounts.lookup import find_account
from readiness.web.accounts.models import Role
from readiness.web.forms import NhsDateField
from readiness.web.surveys.models import InstrumentVersion, Session, Site, Study


class StudyForm(forms.ModelForm):
    instrument = forms.ModelChoiceField(
        queryset=InstrumentVersion.objects.all(),
        empty_label=None,
        help_text="The questionnaire. Responses record the version they answered. Studies in "
        "Northern Ireland use readiness-survey-ni.",
    )

    class Meta:
        model = Study
        fields = [
            "name",
            "nation",
            "instrument",
            "information",
            "show_feedback",
            "double_entry",
            "evaluation",
            "follow_up_days",
            "is_open",
        ]
        labels = {
            "name": "Study name",
            "nation": "Where do the study's staff work?",
            "information": "Information for respondents",
            "show_feedback": "Show respondents what they got right, and why, after they submit",
            "double_entry": "Double entry of paper forms",
            "evaluation": "This study evaluates training (before, after and follow-up)",
            "follow_up_days": "Days from the session to the follow-up",
            "is_open": "Open for responses",
        }
        widgets = {
            "information": forms.Textarea(attrs={"rows": 6}),
            "nation": forms.RadioSelect,
        }

    def clean_follow_up_days(self):
        days = self.cleaned_data.get("follow_up_days")
        if days is not None and not 1 <= days <= 730:
            raise forms.ValidationError("Enter a number of days from 1 to 730, or leave it empty")
        return days

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            # A study moves to another version on its own page (surveys:study_instrument),
            # which shows what changed, maps old codes and records the move in the audit log.
            self.fields.pop("instrument", None)

    def clean(self):
        """A shipped survey and the study's nation must agree: two statements of the survey
        have a different right answer in Northern Ireland, which has its own version."""
        from readiness.instrument.variants import instrument_for_nation, load_variant, variant_names

        data = super().clean()
        version, nation = data.get("instrument"), data.get("nation")
        if version is None and "instrument" not in self.fields and self.instance.pk is not None:
            version = self.instance.instrument
        if version is None or not nation:
            return data
        base = "readiness-survey"
        shipped = {base, *(n for n in variant_names() if load_variant(n).base == base)}
        if version.instrument_id in shipped:
            wanted = instrument_for_nation(base, nation)
            if version.instrument_id != wanted:
                name = dict(self.fields["nation"].choices).get(nation, nation)
                if "instrument" not in self.fields:  # a study's settings: its survey is kept
                    self.add_error(
                        "nation",
                        f"Choose {wanted} for a study in {name}: this study uses "
                        f"{version.instrument_id}, whose right answers differ there. Keep "
                        f"the nation, or create a study in {name}, which uses {wanted}",
                    )
                    return data
                self.add_error(
                    "instrument",
                    f"Choose {wanted} for a study in {name}: the right answers to some "
                    "knowledge statements differ by nation",
                )
        return data


class SiteForm(forms.ModelForm):
    class Meta:
        model = Site
        fields = ["code", "name"]
        labels = {"code": "Site code", "name": "Site name"}

    def __init__(self, *args, study=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.study = study

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        if Site.objects.filter(study=self.study, code=code).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("A site with this code is already in the study")
        return code


class SessionForm(forms.ModelForm):
    class Meta:
        model = Session
        fields = ["date", "attended", "is_open"]
        labels = {
            "date": "Date of the session",
            "attended": "Number attending",
            "is_open": "Open for responses",
        }
        help_texts = {
            "attended": "The denominator of the response rate. You can change it later.",
        }
        field_classes = {"date": NhsDateField}  # day, month and year (the NHS.UK date input)

    error_names = {"date": "the date of the session", "attended": "the number attending"}

    def clean_attended(self):
        attended = self.cleaned_data["attended"]
        if self.instance.pk:
            # People: an evaluation's after and follow-up answers are the same people again.
            responded = self.instance.responses.filter(wave__in=("", "pre")).count()
            if attended < responded:
                raise forms.ValidationError(
                    f"Number attending must be at least the {responded} responses received"
                )
        return attended


class MemberForm(forms.Form):
    username = forms.CharField(label="Username of an existing account", max_length=150)
    role = forms.ChoiceField(choices=Role.choices, widget=forms.RadioSelect)
    sites = forms.ModelMultipleChoiceField(
        queryset=Site.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Sites (for a site coordinator)",
    )

    def __init__(self, *args, study=None, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.study = study
        self.actor = actor
        self.fields["sites"].queryset = Site.objects.filter(study=study)

    def clean_username(self):
        # Limits how many usernames that are no account one person may try (enumeration).
        return find_account(self.actor, self.cleaned_data["username"], study=self.study)

    def clean(self):
        data = super().clean()
        if data.get("role") == Role.COORDINATOR and not data.get("sites"):
            self.add_error("sites", "Select the sites this coordinator is responsible for")
        return data


class ResumeForm(forms.Form):
    code = forms.CharField(label="Your resume code", max_length=20)
