"""The outbox as it looks after a few weeks: assignment and time-off messages, mostly sent, a few failed."""

from datetime import timedelta

from apps.notifications.choices import EmailStatus
from apps.notifications.models import OutboundEmail
from apps.scheduling.choices import TimeOffStatus
from apps.tickets.choices import IncidentStatus, Severity

from .context import SeedContext, World

EMAILS_PER_SCALE = 30
FAILURES = (
    "SMTPServerDisconnected: Connection unexpectedly closed",
    "SMTPRecipientsRefused: 550 5.1.1 mailbox unavailable",
    "TimeoutError: timed out connecting to the mail relay",
)


def _message(ctx: SeedContext, key: str, recipient, subject: str, body: str, at) -> OutboundEmail:
    rng = ctx.rng
    email = OutboundEmail(idempotency_key=key, recipients=[recipient.email], subject=subject, body=body)
    roll = rng.random()
    if roll < 0.06:
        email.status, email.attempts, email.last_error = EmailStatus.FAILED, 5, rng.choice(FAILURES)
        updated = at + timedelta(minutes=30)
    elif roll < 0.1 and ctx.now - at < timedelta(days=1):
        email.status, updated = EmailStatus.QUEUED, at
    else:
        email.status, email.attempts = EmailStatus.SENT, 1
        email.sent_at = updated = min(at + timedelta(seconds=rng.randint(2, 40)), ctx.now)
    return ctx.stamp(email, at, updated)


def seed_outbox(ctx: SeedContext, world: World) -> None:
    rng, emails = ctx.rng, []
    urgent = [
        incident
        for incident in world.incidents
        if incident.assignee is not None
        and incident.acknowledged_at is not None
        and incident.status != IncidentStatus.DUPLICATE
        and incident.severity in (Severity.SEV1, Severity.SEV2)
    ]
    for number, incident in enumerate(rng.sample(urgent, min(len(urgent), EMAILS_PER_SCALE * ctx.scale * 2 // 3))):
        reference = getattr(incident, "reference", "") or "incident"
        emails.append(
            _message(
                ctx,
                f"demo:incident:{number}:assigned",
                incident.assignee,
                f"[{incident.severity}] {reference} assigned to you: {incident.title}",
                f"{incident.title}\n\nFacility: {incident.facility.name}\n"
                f"Occurred: {incident.occurred_at:%Y-%m-%d %H:%M} UTC\n"
                f"Respond by: {incident.response_due_at:%Y-%m-%d %H:%M} UTC\n",
                incident.acknowledged_at,
            )
        )
    decided = [r for r in world.time_off if r.status in (TimeOffStatus.APPROVED, TimeOffStatus.DENIED)]
    for number, request in enumerate(decided[: EMAILS_PER_SCALE * ctx.scale // 3]):
        verb = "approved" if request.status == TimeOffStatus.APPROVED else "denied"
        emails.append(
            _message(
                ctx,
                f"demo:time-off:{number}:{verb}",
                request.user,
                f"Your time off from {request.starts_on:%d %b} to {request.ends_on:%d %b %Y} was {verb}",
                f"{request.get_kind_display()} time off, {request.starts_on} to {request.ends_on}: {verb}.\n"
                f"{request.review_note}\n",
                request.reviewed_at,
            )
        )
    ctx.write(OutboundEmail, emails, label="outbound e-mails")
