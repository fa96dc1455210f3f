"""Users with one role each, the clinic settings row, practitioner credentials, login
attempts (for throttling) and personal access tokens for the API."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone


class Role(models.TextChoices):
    ADMIN = "admin", "Clinic admin"
    PRACTITIONER = "practitioner", "Practitioner"
    RECEPTION = "reception", "Reception"
    # A patient's own portal account (acucare.portal): it reaches only that patient's
    # portal pages, never a staff page (docs/portal.md).
    PATIENT = "patient", "Patient"


# The roles the clinic admin gives and manages; patient accounts are made by invitation.
STAFF_ROLES = (Role.ADMIN, Role.PRACTITIONER, Role.RECEPTION)
STAFF_ROLE_CHOICES = [(r.value, r.label) for r in STAFF_ROLES]


class StaffManager(UserManager["User"]):
    """`createsuperuser` makes a clinic admin (the one role that manages users)."""

    def create_superuser(
        self, username: str, email: str | None = None, password: str | None = None, **extra: object
    ) -> User:
        extra.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra)


class User(AbstractUser):
    """A member of clinic staff, or a patient's portal account (role `patient`).
    `public_id` is the only identifier that leaves the database."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    role = models.CharField(max_length=20, choices=Role.choices)
    # TOTP two-factor authentication: the base32 secret is set at enrolment and only
    # counts once a code generated from it has been verified (`totp_confirmed_at`).
    totp_secret = models.CharField(max_length=64, blank=True)
    totp_confirmed_at = models.DateTimeField(null=True, blank=True)
    # The last accepted time-step: a code is never accepted twice (replay protection).
    totp_last_step = models.BigIntegerField(null=True, blank=True)
    # Who created and last changed the account (empty for the first admin, made from the
    # command line); `date_joined` is when it was created.
    created_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )

    objects: ClassVar[StaffManager] = StaffManager()

    class Meta:
        ordering = (
            "last_name",
            "first_name",
            "username",
        )
        constraints = (
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in Role]), name="user_role_known"
            ),
        )

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_confirmed_at is not None

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return display_name_of(self.username, self.first_name, self.last_name)


# The columns `display_name` reads. A read that only names people (a list to choose a
# colleague from, who is on an appointment) loads these and the public id, not the whole
# row with its password hash and second-factor secret.
DISPLAY_NAME_FIELDS = ("username", "first_name", "last_name")


def display_name_of(username: str, first_name: str, last_name: str) -> str:
    """`User.display_name` from the DISPLAY_NAME_FIELDS columns (in that order), for a read
    of names that builds no model rows: the full name as Django's `get_full_name` joins
    it, or the username when both name parts are empty."""
    return f"{first_name} {last_name}".strip() or username


def display_name_fields(relation: str) -> tuple[str, ...]:
    """DISPLAY_NAME_FIELDS through a foreign key (`signed_by` → `signed_by__username`, …),
    for `.only()` on a read that shows a related person's name."""
    return tuple(f"{relation}__{name}" for name in DISPLAY_NAME_FIELDS)


class Tracked(models.Model):
    """Who created and last changed an editable row, and when."""

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )

    class Meta:
        abstract = True

    def stamp(self, user: User) -> None:
        """Record a change by `user`, now. Services call it before saving an edited row."""
        self.updated_by = user
        self.updated_at = timezone.now()


class Versioned(Tracked):
    """A tracked row that counts its changes (optimistic concurrency): an edit based on an
    older version is refused, not merged."""

    version = models.PositiveIntegerField(default=1)

    class Meta:
        abstract = True

    def stamp(self, user: User) -> None:
        """Record a change by `user`, now, as the next version."""
        self.version += 1
        super().stamp(user)


class Clinic(models.Model):
    """The one settings row of this installation (primary key 1)."""

    name = models.CharField(max_length=200, default="Clinic")
    require_two_factor = models.BooleanField(
        default=False, help_text="Every user must enrol an authenticator app before working."
    )
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = (models.CheckConstraint(condition=models.Q(pk=1), name="clinic_single_row"),)

    def __str__(self) -> str:
        return self.name


class BaseProfession(models.TextChoices):
    # STRICTA 2010 item 5 asks for the practitioner's background.
    ACUPUNCTURIST = "acupuncturist", "Acupuncturist"
    PHYSICIAN = "physician", "Physician"
    PHYSIOTHERAPIST = "physiotherapist", "Physiotherapist"
    OTHER = "other", "Other"


class Certification(models.TextChoices):
    NCCAOM_DIPL_AC = "nccaom_dipl_ac", "Dipl. Ac. (NCCAOM)"
    NCCAOM_DIPL_OM = "nccaom_dipl_om", "Dipl. O.M. (NCCAOM)"
    NCCAOM_DIPL_CH = "nccaom_dipl_ch", "Dipl. C.H. (NCCAOM)"
    BACC_MEMBER = "bacc_member", "Member, British Acupuncture Council (MBAcC)"
    BACC_FELLOW = "bacc_fellow", "Fellow, British Acupuncture Council (FBAcC)"
    AACP_MEMBER = "aacp_member", "Member, Acupuncture Association of Chartered Physiotherapists"
    BMAS_COMPETENCE = "bmas_competence", "BMAS Certificate of Basic Competence"
    BMAS_DIPLOMA = "bmas_diploma", "BMAS Diploma of Medical Acupuncture"
    CCAOM_CNT = "ccaom_cnt", "CCAOM Clean Needle Technique course"


class PractitionerProfile(Tracked):
    """Credentials of a practitioner (see the reference document, section 7)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="practitioner_profile"
    )
    base_profession = models.CharField(
        max_length=20, choices=BaseProfession.choices, default=BaseProfession.ACUPUNCTURIST
    )
    licence_title = models.CharField(
        max_length=40, blank=True, help_text="Title the licence confers, e.g. L.Ac."
    )
    licence_number = models.CharField(max_length=60, blank=True)
    issuing_board = models.CharField(max_length=200, blank=True)
    licence_expiry = models.DateField(null=True, blank=True)
    certifications = models.JSONField(default=list, blank=True)
    degree = models.CharField(max_length=60, blank=True, help_text="e.g. MAc, MSOM, DAOM")
    years_in_practice = models.PositiveSmallIntegerField(null=True, blank=True)
    other_experience = models.TextField(blank=True)
    cpd_hours_last_year = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Continuing professional development, last 12 months"
    )
    indemnity_insurer = models.CharField(max_length=200, blank=True)
    indemnity_expiry = models.DateField(null=True, blank=True)
    premises_registration = models.CharField(
        max_length=200, blank=True, help_text="e.g. local-authority skin-piercing registration"
    )
    scope_restrictions = models.TextField(
        blank=True, help_text="Limits on practice, e.g. no eye points, no obstetric care"
    )
    # The practitioner's changes to the licence, indemnity or scope that wait for the
    # clinic admin's verification: field name -> proposed value (dates as ISO text). The
    # fields above keep the values in force (a later expiry does not count until verified).
    pending_changes = models.JSONField(default=dict, blank=True, editable=False)
    pending_since = models.DateTimeField(null=True, blank=True, editable=False)
    verified_at = models.DateTimeField(null=True, blank=True, editable=False)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    def __str__(self) -> str:
        return f"Credentials of {self.user}"

    @property
    def awaiting_verification(self) -> bool:
        return bool(self.pending_changes)

    def licence_expired(self, today: dt.date | None = None) -> bool:
        """True when an expiry date is recorded and has passed."""
        if self.licence_expiry is None:
            return False
        return self.licence_expiry < (today or timezone.localdate())

    def licence_expires_soon(self, today: dt.date | None = None, days: int = 60) -> bool:
        if self.licence_expiry is None or self.licence_expired(today):
            return False
        return self.licence_expiry <= (today or timezone.localdate()) + dt.timedelta(days=days)

    def indemnity_expired(self, today: dt.date | None = None) -> bool:
        if self.indemnity_expiry is None:
            return False
        return self.indemnity_expiry < (today or timezone.localdate())

    def certification_labels(self) -> list[str]:
        labels = dict(Certification.choices)
        return [str(labels.get(code, code)) for code in self.certifications]


class LoginAttempt(models.Model):
    """One sign-in attempt; failures per username and address drive the lock-out."""

    username = models.CharField(max_length=150)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)
    succeeded = models.BooleanField()

    class Meta:
        indexes = (
            models.Index(fields=["username", "ip_address", "at"], name="login_attempt_lookup"),
            models.Index(fields=["ip_address", "at"], name="login_attempt_address"),
        )

    def __str__(self) -> str:
        return f"{self.username} from {self.ip_address} at {self.at:%Y-%m-%d %H:%M}"


class ApiToken(models.Model):
    """A personal access token. Only a SHA-256 digest is stored; the token is shown once."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class Submission(models.Model):
    """A create form's one-time key: a second submission of the same form (a double
    click, a resent request) finds the record the first one made instead of making
    another."""

    key = models.UUIDField(unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    object_type = models.CharField(max_length=40)
    object_id = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.object_type} {self.object_id}"
