from django.db import models


class FacilityKind(models.TextChoices):
    STUDIO = "studio", "Studio"
    MASTER_CONTROL = "master_control", "Master control"
    TRANSMITTER = "transmitter", "Transmitter"
    EDIT_SUITE = "edit_suite", "Edit suite"
    OB_VAN = "ob_van", "OB van"
    DATA_CENTRE = "data_centre", "Data centre"
    OFFICE = "office", "Office"
    OTHER = "other", "Other"


class FacilityStatus(models.TextChoices):
    OPERATIONAL = "operational", "Operational"
    DEGRADED = "degraded", "Degraded"
    DOWN = "down", "Down"
    MAINTENANCE = "maintenance", "Maintenance"
