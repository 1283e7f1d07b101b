from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from timezone_field import TimeZoneField

from apps.audit.records import PortalHistoricalRecords
from apps.core.models import TimeStampedModel

from .choices import FacilityKind, FacilityStatus


class LocationManager(models.Manager):
    def get_by_natural_key(self, code: str) -> "Location":
        return self.get(code=code)


class Location(TimeStampedModel):
    """A site of the operation (a station building, a transmitter park)."""

    code = models.SlugField(max_length=20, unique=True, help_text="Short unique code, e.g. LON-HQ.")
    name = models.CharField(max_length=120)
    address = models.TextField(blank=True)
    timezone = TimeZoneField(default="UTC", help_text="Rosters and local times are shown in this time zone.")
    is_active = models.BooleanField(default=True)

    history = PortalHistoricalRecords()
    objects = LocationManager()

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["is_active", "name"], name="location_active_name_idx")]
        permissions = [("cover_location", "Covers the location: sees and manages what hangs below it")]

    # __str__ is label_from(<label_fields>): a list shows the label from those columns alone, with no row object
    label_fields = ("name", "code")

    @staticmethod
    def label_from(name: str, code: str) -> str:
        return f"{name} ({code})"

    def __str__(self) -> str:
        return self.label_from(self.name, self.code)

    def natural_key(self) -> tuple[str]:
        return (self.code,)


class FacilityManager(models.Manager):
    def get_by_natural_key(self, code: str) -> "Facility":
        return self.get(code=code)


class Facility(TimeStampedModel):
    """A room, rig or vehicle at a location: a studio, an MCR, a transmitter, an OB van."""

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="facilities")
    code = models.SlugField(max_length=30, unique=True, help_text="Short unique code, e.g. LON-MCR1.")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=FacilityKind.choices, default=FacilityKind.OTHER)
    status = models.CharField(max_length=20, choices=FacilityStatus.choices, default=FacilityStatus.OPERATIONAL)
    on_air_critical = models.BooleanField(default=False, help_text="A failure here takes a service off air.")

    history = PortalHistoricalRecords()
    objects = FacilityManager()

    class Meta:
        ordering = ["location__name", "name"]
        verbose_name_plural = "facilities"
        indexes = [
            models.Index(fields=["location", "kind"], name="facility_location_kind_idx"),
            models.Index(fields=["status"], name="facility_status_idx"),
        ]

    # __str__ is label_from(<label_fields>): a list shows the label from those columns alone, with no row object
    label_fields = ("name", "code")

    @staticmethod
    def label_from(name: str, code: str) -> str:
        return f"{name} ({code})"

    def __str__(self) -> str:
        return self.label_from(self.name, self.code)

    def natural_key(self) -> tuple[str]:
        return (self.code,)

    natural_key.dependencies = ["facilities.location"]


# Scope is granted per location with guardian's direct foreign-key permission tables (not its generic
# ones), so "the locations this person covers" is an indexed join, not a text match on object_pk.


class LocationUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="user_permissions")

    history = PortalHistoricalRecords()

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = "location permission of a person"

    def __str__(self) -> str:
        return f"{self.user} – {self.permission.name} – {self.content_object}"


class LocationGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="group_permissions")

    history = PortalHistoricalRecords()

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = "location permission of a role"

    def __str__(self) -> str:
        return f"{self.group} – {self.permission.name} – {self.content_object}"
