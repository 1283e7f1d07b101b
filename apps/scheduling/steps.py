"""The status workflows of the roster's rows: which step moves a row from one status to another.

A status is never a field anyone types: each move is a step, a service with its own rules and side effects
(apps.scheduling.publishing, events, time_off; apps.timesheets.services). These tables say which steps
exist, and give every path (the console's actions, the import's Status column) the same refusal sentence
for a move no step makes.

- Shift: draft → published (publish: the people are e-mailed), draft or published → cancelled (cancel),
  cancelled → draft (restore: a person's shift start is unique even when cancelled, so a cancelled shift is
  brought back rather than added again).
- Scheduled event: tentative → confirmed (confirm: no other confirmed event at the facility then),
  tentative or confirmed → cancelled (cancel), cancelled → tentative (restore).
- Time off: pending → approved or denied (review: never one's own, the requester is e-mailed, overlapping
  shifts handled), pending or approved → cancelled (by its owner or someone covering them).
- Time entry: submitted → approved or rejected (review: never one's own).
"""

from typing import NamedTuple

from django.core.exceptions import ValidationError

from .choices import EventStatus, ShiftStatus, TimeOffStatus


class Step(NamedTuple):
    verb: str  # "publish": what the console's action and the import's refusal call it
    sources: tuple[str, ...]  # the statuses it starts from
    target: str
    needs: str  # the sources as a sentence says them: "a draft", "pending", "tentative or confirmed"
    final: bool = False  # its target is an end: "it is cancelled already" says more than "not a draft"

    def check(self, current: str, choices) -> None:
        """Refuse to run from `current`, with the sentence the console's reports show after "Skipped …: "."""
        if current in self.sources:
            return
        label = choices(current).label.lower()
        if current == self.target and self.final:
            raise ValidationError(f"it is {label} already.", code="already")
        raise ValidationError(f"it is {label}, not {self.needs}.", code="wrong_status")


SHIFT_STEPS = (
    Step("publish", (ShiftStatus.DRAFT,), ShiftStatus.PUBLISHED, "a draft"),
    Step("cancel", (ShiftStatus.DRAFT, ShiftStatus.PUBLISHED), ShiftStatus.CANCELLED, "a draft or published", True),
    Step("restore as a draft", (ShiftStatus.CANCELLED,), ShiftStatus.DRAFT, "cancelled"),
)
EVENT_STEPS = (
    Step("confirm", (EventStatus.TENTATIVE,), EventStatus.CONFIRMED, "tentative"),
    Step(
        "cancel", (EventStatus.TENTATIVE, EventStatus.CONFIRMED), EventStatus.CANCELLED, "tentative or confirmed", True
    ),
    Step("restore as tentative", (EventStatus.CANCELLED,), EventStatus.TENTATIVE, "cancelled"),
)
TIME_OFF_STEPS = (
    Step("approve", (TimeOffStatus.PENDING,), TimeOffStatus.APPROVED, "pending"),
    Step("deny", (TimeOffStatus.PENDING,), TimeOffStatus.DENIED, "pending"),
    Step(
        "cancel", (TimeOffStatus.PENDING, TimeOffStatus.APPROVED), TimeOffStatus.CANCELLED, "pending or approved", True
    ),
)


def step_named(steps: tuple[Step, ...], verb: str) -> Step:
    return next(step for step in steps if step.verb == verb)


def step_to(steps: tuple[Step, ...], *, current: str, target: str, choices) -> Step:
    """The step that moves a row from `current` to `target`; a ValidationError saying why no step does."""
    step = next((step for step in steps if step.target == target), None)
    if step is None:
        reachable = ", ".join(choices(step.target).label for step in steps)
        raise ValidationError(
            f"Nothing makes it {choices(target).label.lower()}; the status moves to {reachable} only.",
            code="no_step",
        )
    try:
        step.check(current, choices)
    except ValidationError as error:
        raise ValidationError(f"Cannot {step.verb}: {error.messages[0]}", code=error.code) from None
    return step
