"""The outbox in the console: read-only rows, with a retry for what has not gone out."""

from django.contrib import admin, messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from unfold.contrib.filters.admin import ChoicesDropdownFilter
from unfold.decorators import action, display

from apps.console.base import PortalModelAdmin
from apps.console.forms import LocalRangeDateFilter
from apps.console.scope import ReadOnlyAdminMixin
from apps.notifications.choices import EmailStatus
from apps.notifications.models import OutboundEmail
from apps.notifications.services import email_retry

EMAIL_STATUS_COLOURS = {
    EmailStatus.QUEUED: "info",
    EmailStatus.SENDING: "warning",
    EmailStatus.SENT: "success",
    EmailStatus.FAILED: "danger",
}


@admin.register(OutboundEmail)
class OutboundEmailAdmin(ReadOnlyAdminMixin, PortalModelAdmin):
    """Messages are written by services (email_queue), never typed in here."""

    list_display = ("subject", "recipient_list", "status_label", "attempts", "created_at", "sent_at")
    list_filter = (("status", ChoicesDropdownFilter), ("created_at", LocalRangeDateFilter))
    search_fields = ["subject", "recipients"]
    ordering = ("-created_at",)
    date_hierarchy = None
    fields = (
        "subject",
        "recipient_list",
        "body",
        "status_label",
        "attempts",
        "last_error",
        "sent_at",
        "claimed_at",
        "idempotency_key",
        "message_id",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields
    actions = ["retry_sending"]
    actions_detail = ["retry_sending_detail"]

    def has_retry_permission(self, request, obj=None):
        return request.user.has_perm("notifications.change_outboundemail")

    @display(description=_("recipients"))
    def recipient_list(self, obj: OutboundEmail) -> str:
        return ", ".join(obj.recipients)

    @display(description=_("Message-ID"))
    def message_id(self, obj: OutboundEmail) -> str:
        return obj.message_id

    @display(description=_("status"), ordering="status", label=EMAIL_STATUS_COLOURS)
    def status_label(self, obj: OutboundEmail):
        return obj.status, obj.get_status_display()

    @action(description=_("Retry sending"), permissions=["retry"], icon="send")
    def retry_sending(self, request, queryset):
        # email_retry decides for each message (one rule, one place); a sent or sending one is left alone
        retried = sum(email_retry(email=email, by=request.user) for email in queryset)
        skipped = queryset.count() - retried
        self.message_user(request, _("%(count)d message(s) queued for sending.") % {"count": retried})
        if skipped:
            self.message_user(
                request,
                _(
                    "%(count)d message(s) not queued: already sent, being sent, or interrupted mid-send (now "
                    "marked failed: check with the recipient before retrying)."
                )
                % {"count": skipped},
                messages.WARNING,
            )

    @action(description=_("Retry sending"), permissions=["retry"], icon="send", url_path="retry-sending")
    def retry_sending_detail(self, request, object_id):
        email = get_object_or_404(self.get_queryset(request), pk=object_id)
        if email_retry(email=email, by=request.user):
            self.message_user(request, _("The message is queued for sending."))
        else:
            email.refresh_from_db()
            self.message_user(request, self.not_retried_message(email), messages.WARNING)
        return redirect(reverse("admin:notifications_outboundemail_change", args=[email.pk]))

    @staticmethod
    def not_retried_message(email: OutboundEmail) -> str:
        if email.status == EmailStatus.SENT:
            return _("The message was already sent.")
        if email.status == EmailStatus.SENDING:
            return _("The message is being sent right now.")
        return email.last_error  # an interrupted send, now marked failed: the reason, and what to check first
