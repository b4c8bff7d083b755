"""Study -> instrument version -> sites -> sessions -> responses.

Privacy by construction: no model here has a field for a respondent's name, e-mail, IP address
or user agent, and a response keeps its completion date to the day (``completed_on`` is a
date, and the model has no other timestamp).  ``tests/web/test_privacy.py`` checks this.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from functools import lru_cache

from django.conf import settings
from django.db import models
from django.urls import reverse

from readiness.errors import ReadinessError
from readiness.guide.model import NATION_NAMES
from readiness.instrument import Instrument, parse_instrument

# Codes a person reads from a screen or paper: no 0/O, 1/I/L, 5/S, 8/B.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY2345679"


def new_session_token() -> str:
    """A session link's secret: 12 characters, about 57 bits."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))


def new_resume_code() -> str:
    """An anonymous resume code: 12 characters in groups of 4 (XXXX-XXXX-XXXX), about 57 bits."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalise_code(text: str) -> str:
    """A resume code as typed (any case, spaces or dashes) in its canonical form."""
    raw = "".join(ch for ch in text.upper() if ch.isalnum())
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}" if len(raw) == 12 else raw


def code_digest(code: str) -> str:
    """What the database keeps of a resume code: its SHA-256, so a copy of it resumes nothing."""
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def new_link_id() -> str:
    """The anonymous id shared by the before and after responses of one device: 128 random
    bits as 32 hexadecimal characters (it names no one; it only joins the two)."""
    return secrets.token_hex(16)


def new_submission_token() -> str:
    return secrets.token_urlsafe(24)


def new_submission_tokens(n: int) -> list[str]:
    """``n`` tokens as :func:`new_submission_token` makes them, from one read of the system's
    random source (24 random bytes make 32 characters of URL-safe base64, with no padding)."""
    text = base64.urlsafe_b64encode(secrets.token_bytes(24 * n)).decode("ascii")
    return [text[i : i + 32] for i in range(0, 32 * n, 32)]


@lru_cache(maxsize=64)
def _parsed(text: str, label: str) -> Instrument:
    return parse_instrument(text, file=label)


# Parsed instruments by the SHA-256 of their text (a stored version's text never changes).
_BY_DIGEST: dict[str, Instrument] = {}


class InstrumentVersion(models.Model):
    """An instrument as stored: its YAML text, identified by id and version."""

    instrument_id = models.CharField(max_length=100)
    version = models.CharField(max_length=50)
    title = models.CharField(max_length=300)
    yaml = models.TextField()
    sha256 = models.CharField(max_length=64)
    # Who added this version, when, from what file format, and what changed since the version
    # before it (``previous``); ``warnings`` are what the conversion did not keep.  Empty for
    # versions stored before these were recorded.
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    added_on = models.DateField(null=True, blank=True)
    source_format = models.CharField(max_length=20, blank=True, default="")
    warnings = models.JSONField(default=list, blank=True)
    previous = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    change_note = models.TextField(blank=True, default="")
    # For a choice recoded since ``previous``: item id -> {old code: new code}, so that answers
    # given to the earlier version are read as the new version's codes.
    choice_mapping = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["instrument_id", "version"], name="unique_instrument_version"
            )
        ]
        ordering = ["instrument_id", "version"]

    def __str__(self) -> str:
        return f"{self.instrument_id} v{self.version}"

    def save(self, *args, **kwargs) -> None:
        """Store the SHA-256 of the text; a stored version's text is never changed in place
        (responses record the version they answered): change it as a new version."""
        digest = hashlib.sha256(self.yaml.encode()).hexdigest()
        if self.pk is not None:
            stored = (
                InstrumentVersion.objects.filter(pk=self.pk)
                .values_list("sha256", flat=True)
                .first()
            )
            if stored is not None and stored != digest:
                raise ReadinessError(
                    f"instrument {self.instrument_id} version {self.version} is stored already "
                    "and its text cannot change. Fix: give the changed instrument a new version."
                )
        self.sha256 = digest
        super().save(*args, **kwargs)

    @property
    def instrument(self) -> Instrument:
        """The parsed instrument, cached per process by its SHA-256 (so that a query may leave
        the text out: ``defer("instrument__yaml")``) and by the text."""
        cached = _BY_DIGEST.get(self.sha256) if self.sha256 else None
        if cached is None:
            cached = _parsed(self.yaml, f"{self.instrument_id}-v{self.version}.yaml")
            if self.sha256:
                _BY_DIGEST[self.sha256] = cached
        return cached


class Study(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    instrument = models.ForeignKey(InstrumentVersion, on_delete=models.PROTECT)
    information = models.TextField(
        blank=True,
        help_text="What respondents read before they agree to take part (who runs the study, "
        "why, what happens to the answers, whom to contact).",
    )
    show_feedback = models.BooleanField(
        default=True,
        help_text="Show respondents, after they submit, the right answer to each knowledge "
        "statement, why, and its sources, with their nation's 'what to do' card.",
    )
    nation = models.CharField(
        max_length=20,
        choices=list(NATION_NAMES.items()),
        default="england",
        help_text="Where the study's staff work: it picks the answers, sources and helplines "
        "the knowledge feedback gives (Northern Ireland has its own version of the survey).",
    )
    is_open = models.BooleanField(default=True, help_text="Whether session links take answers.")
    synthetic = models.BooleanField(default=False, help_text="Demonstration data only.")
    double_entry = models.BooleanField(
        default=False,
        help_text="Paper forms are entered twice, by two different people; the two entries "
        "are compared item by item and differences resolved before a form counts.",
    )
    evaluation = models.BooleanField(
        default=False,
        help_text="Each session link asks the questions before the training and again at its "
        "end on the same phone or computer, joined without knowing who answered; a follow-up "
        "link asks them again later.",
    )
    follow_up_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="How many days after the session its follow-up link opens (90 is usual). "
        "Leave empty for no follow-up.",
    )
    created_on = models.DateField(auto_now_add=True)
    # Raised by every correction or deletion of a response, so that results and response
    # frames kept before it are not used again (new responses only append, and are seen by
    # the count and last id of the results stamp).
    data_revision = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "studies"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("surveys:dashboard", args=[self.slug])


class Site(models.Model):
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="sites")
    code = models.CharField(
        max_length=40, help_text="A short code, stored with each response (for example T01)."
    )
    name = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["study", "code"], name="unique_site_code"),
        ]
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Session(models.Model):
    """A training session (or any occasion) whose attendees are invited through one link."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="sessions")
    code = models.CharField(max_length=60, help_text="Unique in the study, e.g. T01-2.")
    date = models.DateField()
    attended = models.PositiveIntegerField(
        default=0, help_text="Number attending: the denominator of the response rate."
    )
    token = models.CharField(max_length=40, unique=True, default=new_session_token)
    # The follow-up wave's own link (an evaluation study with a follow-up).
    follow_up_token = models.CharField(max_length=40, unique=True, default=new_session_token)
    is_open = models.BooleanField(default=True)

    class Meta:
        ordering = ["date", "code"]

    def __str__(self) -> str:
        return self.code

    @property
    def study(self) -> Study:
        return self.site.study

    def link_path(self) -> str:
        return reverse("surveys:start", args=[self.token])

    def follow_up_path(self) -> str:
        return reverse("surveys:follow_up", args=[self.follow_up_token])

    def follow_up_opens(self):
        """The day the follow-up link opens (None: the study has no follow-up)."""
        from datetime import timedelta

        study = self.site.study
        if not study.evaluation or study.follow_up_days is None:
            return None
        return self.date + timedelta(days=study.follow_up_days)


class Source(models.TextChoices):
    WEB = "web", "Web (self-completed)"
    PAPER = "paper", "Paper form"
    IMPORT = "import", "Imported file"
    DEMO = "demo", "Demonstration (synthetic)"


class Wave(models.TextChoices):
    """When a response of an evaluation study was given (empty for an ordinary survey)."""

    NONE = "", "Not an evaluation"
    PRE = "pre", "Before the training"
    POST = "post", "After the training"
    FOLLOW_UP = "follow_up", "Follow-up"


class Response(models.Model):
    """One submitted response: the answers as the instrument's codes, and nothing identifying.

    In an evaluation study, ``wave`` says when it was given and ``link`` is the anonymous
    random id that the before and after responses of one device share.  ``sgic`` holds the
    keyed digests of the self-generated code (before and follow-up waves): never the answers,
    never exported, and useless without the server's secret.
    """

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="responses")
    instrument = models.ForeignKey(InstrumentVersion, on_delete=models.PROTECT)
    answers = models.JSONField(default=dict)
    completed_on = models.DateField()
    # The idempotency key: the same submission arriving twice creates one response.
    submission_token = models.CharField(max_length=64, unique=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.WEB)
    synthetic = models.BooleanField(default=False)
    wave = models.CharField(max_length=10, choices=Wave.choices, default="", blank=True)
    link = models.CharField(max_length=40, default="", blank=True)
    sgic = models.JSONField(default=dict, blank=True)
    # An imported response's source and id in the file it came from (an export's ``source``
    # and ``response_id``): the source is kept rather than lost to "import", and the id lets
    # a second import of the same responses be refused.  Empty for any other response; a
    # database default, so that the bulk INSERTs that leave them out still write them.
    origin = models.CharField(max_length=10, blank=True, default="", db_default="")
    origin_id = models.CharField(max_length=64, blank=True, default="", db_default="")

    class Meta:
        ordering = ["id"]
        indexes = [
            # (session, id): a study's count and last id read from the index alone, for the
            # results stamp on every dashboard view (services.results_key)
            models.Index(fields=["session", "id"], name="response_session_id_idx"),
            models.Index(fields=["origin_id"]),
        ]
        constraints = [
            # One response per wave and device: a link id twice in one wave would stop the
            # evaluation's pairing (an empty link id joins nothing and is never refused).
            models.UniqueConstraint(
                fields=["session", "link", "wave"],
                condition=~models.Q(link=""),
                name="unique_response_link_wave",
            ),
        ]

    def __str__(self) -> str:
        return f"Response {self.pk}"


class Draft(models.Model):
    """A response in progress, saved page by page, found again by its anonymous resume code."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="drafts")
    instrument = models.ForeignKey(InstrumentVersion, on_delete=models.PROTECT)
    code_digest = models.CharField(max_length=64, unique=True)
    answers = models.JSONField(default=dict)
    # Sections saved so far (their ids), so that "check and submit" knows what was seen.
    seen = models.JSONField(default=list)
    submission_token = models.CharField(max_length=64, default=new_submission_token)
    updated_on = models.DateField(auto_now=True)
    # An evaluation's wave, link id and code digests, carried to the response (see Response).
    wave = models.CharField(max_length=10, choices=Wave.choices, default="", blank=True)
    link = models.CharField(max_length=40, default="", blank=True)
    sgic = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "link", "wave"],
                condition=~models.Q(link=""),
                name="unique_draft_link_wave",
            ),
        ]

    def __str__(self) -> str:
        return f"Draft {self.pk}"


# -- paper forms and imports (the collection beside the web survey) -----------------------------


class PaperStatus(models.TextChoices):
    AWAITING_SECOND = "awaiting", "Waiting for a second entry"
    DIFFERENCES = "differences", "Differences to resolve"
    COUNTED = "counted", "Counted"


class PaperForm(models.Model):
    """A paper questionnaire entered by staff: one entry, or two compared (double entry).

    It becomes a :class:`Response` (source paper) once it counts: at once with single entry;
    with double entry when the two entries agree, or when the differences are resolved.
    ``reference`` is the number written on the paper form, to find it again.
    """

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="paper_forms")
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="paper_forms")
    instrument = models.ForeignKey(InstrumentVersion, on_delete=models.PROTECT)
    reference = models.CharField(max_length=40)
    double_entry = models.BooleanField(default=False)
    status = models.CharField(max_length=12, choices=PaperStatus.choices)
    # item id -> the code chosen (None: unanswered) for each item on which the entries differed.
    resolution = models.JSONField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_on = models.DateField(null=True, blank=True)
    response = models.OneToOneField(
        Response, on_delete=models.SET_NULL, null=True, blank=True, related_name="paper_form"
    )
    created_on = models.DateField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["study", "reference"], name="unique_paper_reference"),
        ]
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"Paper form {self.reference}"


class PaperEntry(models.Model):
    """One person's keying of a paper form (entry 1, and entry 2 under double entry)."""

    form = models.ForeignKey(PaperForm, on_delete=models.CASCADE, related_name="entries")
    number = models.PositiveSmallIntegerField()
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    answers = models.JSONField(default=dict)
    entered_on = models.DateField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["form", "number"], name="unique_paper_entry_number"),
        ]
        ordering = ["form", "number"]

    def __str__(self) -> str:
        return f"Entry {self.number} of {self.form}"


class ResponseImport(models.Model):
    """A response file imported into a study (the same file is never imported twice)."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="imports")
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField()
    session = models.ForeignKey(
        Session,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The session every row was imported into (empty: the file's session column).",
    )
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    imported_on = models.DateField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["study", "sha256"], name="unique_import_file"),
        ]
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"Import of {self.file_name}"


class KeptFrame(models.Model):
    """A study's validated responses as :mod:`readiness.web.surveys.responseframe` keeps them
    when the ``results`` cache is in the database (several app servers share it): the frame's
    segments (the first as read in full, then the responses appended since), each pickled in
    :class:`KeptFramePart` rows, with the id, submission token and count of the responses it
    holds.  Deleted with its study (it holds answers)."""

    key = models.CharField(max_length=200, unique=True)
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="+")
    last = models.BigIntegerField()
    n = models.PositiveIntegerField()
    token = models.CharField(max_length=64)
    parts = models.PositiveIntegerField()
    size = models.BigIntegerField()
    # [parts, bytes] of each segment, in order: the first, then rows appended since.
    segments = models.JSONField(default=list)
    updated = models.DateTimeField(auto_now=True)


class KeptFramePart(models.Model):
    """One piece of a kept frame's segment, in order of ``seq`` across its segments (pieces
    keep every value well under PostgreSQL's 1 GB limit and the memory a single value
    needs)."""

    frame = models.ForeignKey(KeptFrame, on_delete=models.CASCADE, related_name="+")
    seq = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["frame", "seq"], name="unique_kept_frame_part")
        ]
