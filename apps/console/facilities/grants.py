"""Location scope granted from a person's page and from a role's page (guardian's direct permission rows).

The location's own page has guardian's "Object permissions" screen (LocationAdmin.object_permissions);
these inlines are the same rows seen from the other side: "which locations does this person cover".
"""

from django import forms
from django.contrib.auth.models import Permission
from django.forms.models import BaseInlineFormSet
from unfold.admin import TabularInline

from apps.console.scope import ScopedFieldsMixin
from apps.core.scope import COVER_PERMISSION
from apps.facilities.models import LocationGroupObjectPermission, LocationUserObjectPermission


def cover_permission() -> Permission:
    return Permission.objects.get(content_type__app_label="facilities", codename=COVER_PERMISSION)


class CoverGrantForm(forms.ModelForm):
    """A grant row shows only its location; the permission is always "covers the location"."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.permission_id is None:
            self.instance.permission = cover_permission()

    def _get_validation_exclusions(self):
        # the permission is set above, not typed: keep it in the uniqueness check (one grant per location)
        exclusions = super()._get_validation_exclusions()
        exclusions.discard("permission")
        return exclusions


class CoverGrantFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            if not form.has_changed() and form.instance.pk is None:
                continue
            if self.can_delete and self._should_delete_form(form):
                continue
            location = form.cleaned_data.get("content_object")
            if location is not None and location.pk in seen:
                raise forms.ValidationError(f"{location} is listed twice.")
            if location is not None:
                seen.add(location.pk)


class _CoverGrantInline(ScopedFieldsMixin, TabularInline):
    form = CoverGrantForm
    formset = CoverGrantFormSet
    fields = ("content_object",)
    extra = 0
    tab = True
    verbose_name = "covered location"
    verbose_name_plural = "location scope"

    def get_queryset(self, request):
        return (
            super().get_queryset(request).filter(permission__codename=COVER_PERMISSION).select_related("content_object")
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "content_object":
            field.label = "Location"
        return field


class UserLocationScopeInline(_CoverGrantInline):
    model = LocationUserObjectPermission
    fk_name = "user"


class GroupLocationScopeInline(_CoverGrantInline):
    model = LocationGroupObjectPermission
    fk_name = "group"
