"""Thin Celery tasks of the tickets: fetch, call a service."""

from celery import shared_task

from apps.core.actors import system_user

from .breaches import incident_breach_scan


@shared_task(acks_late=True)
def scan_sla_breaches() -> int:
    """Every minute (django-celery-beat, editable in the console): tell supervisors of new SLA breaches."""
    return incident_breach_scan(by=system_user())
