"""Thin Celery tasks of the import jobs: fetch by id, call a service (apps.dataio.jobs)."""

import logging

from celery import shared_task

from apps.core.actors import system_user

from .jobs import import_job_notify, job_time_limit
from .jobs import import_job_run as run_job
from .models import ImportJob

logger = logging.getLogger(__name__)

# The soft limit raises inside the import (the job ends failed, with a message); the hard one kills a worker that
# did not stop, and the job page later marks such a job failed (apps.dataio.jobs.import_job_expire_if_stale).
TIME_LIMIT = job_time_limit()


@shared_task(acks_late=True, soft_time_limit=TIME_LIMIT, time_limit=TIME_LIMIT + 60)
def import_job_run(job_id: int, base_url: str = "") -> str | None:
    """Run an import job and e-mail its creator when it ends. Delivered twice (acks late, a redelivery after
    the broker's visibility timeout), the second run finds the job running or finished and does nothing new."""
    job = ImportJob.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None:
        logger.warning("import job %s no longer exists; nothing to run", job_id)
        return None
    job = run_job(job=job, by=system_user())
    if job.is_finished:
        import_job_notify(job=job, by=system_user(), base_url=base_url)
    return job.status
