"""The user's scope on every surface of an admin, from the model's registered selector.

Changelists, change/delete/history pages, autocomplete results and popups all start from
`get_queryset()`; related-field choices (forms, inlines) and related list-filter choices start from the
related model's selector. An object outside the user's scope answers 404 — the same as one that does
not exist — so its existence is not revealed.
"""

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db.models import Q
from django.forms import ModelChoiceField, ModelMultipleChoiceField
from django.http import Http404
from unfold.contrib.filters.admin import (
    AutocompleteSelectFilter,
    RelatedDropdownFilter,
)
from unfold.contrib.filters.forms import AutocompleteDropdownForm

from apps.core.scope import prime_scope, selector_for


class ScopeOncePerRequestMiddleware:
    """A console request reads its user's roles and covered locations once, on first use, and its scoped queries
    name rows by id (apps.core.scope.prime_scope). After AuthenticationMiddleware. The API does the same as it
    authenticates (apps.api.permissions)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                prime_scope(user)
        return self.get_response(request)


def related_choices(*, model, request, ordering=None):
    """The rows of `model` the user may pick, or None when the model has no selector (not scoped)."""
    selector = selector_for(model)
    if selector is None:
        return None
    queryset = selector(user=request.user)
    return queryset.order_by(*ordering) if ordering else queryset


class ScopedFieldsMixin:
    """Foreign-key and many-to-many choices limited to the related model's scope (admins and inlines)."""

    def get_field_queryset(self, db, db_field, request):
        related_model = db_field.remote_field.model
        related_admin = self.admin_site._registry.get(related_model)
        ordering = related_admin.get_ordering(request) if related_admin is not None else None
        queryset = related_choices(model=related_model, request=request, ordering=ordering)
        if queryset is None:
            return super().get_field_queryset(db, db_field, request)
        return queryset.using(db) if db else queryset


class ScopedAdminMixin(ScopedFieldsMixin):
    """get_queryset() from the model's selector; out of scope → 404; the form keeps current values valid."""

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        # fail at startup, not on a supervisor's first click
        overrides_scope = type(self).visible_to is not ScopedAdminMixin.visible_to or (
            type(self).get_queryset is not ScopedAdminMixin.get_queryset
        )
        if not overrides_scope and selector_for(model) is None:
            raise ImproperlyConfigured(
                f"{type(self).__name__}: {model.__name__} has no selector; decorate one with "
                "apps.core.scope.register_selector or define visible_to(user)."
            )

    def visible_to(self, user):
        return selector_for(self.model)(user=user)

    def get_queryset(self, request):
        queryset = self.visible_to(request.user)
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Django redirects to the index with "doesn't exist"; out of scope must look the same as absent
        raise Http404(f"No {opts.verbose_name} matches the given query.")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None and obj.pk is not None:
            _keep_current_choices(form_class, obj)
        return form_class


def _keep_current_choices(form_class, obj) -> None:
    """An object in scope may point at something that is not (a reporter based elsewhere): keep that value.

    Without it, saving any other change would fail with "Select a valid choice" on a field the user did
    not touch. Only the current value is added, nothing else from outside the scope.
    """
    for name, field in form_class.base_fields.items():
        if not isinstance(field, ModelChoiceField):
            continue
        try:
            model_field = obj._meta.get_field(name)
        except FieldDoesNotExist:  # a form-only field
            continue
        if isinstance(field, ModelMultipleChoiceField):
            current = list(getattr(obj, name).values_list("pk", flat=True)) if model_field.many_to_many else []
        else:
            value = getattr(obj, model_field.attname, None) if model_field.many_to_one else None
            current = [value] if value is not None else []
        if current:
            scoped_rows = field.queryset
            field.queryset = (
                scoped_rows.model._default_manager.filter(Q(pk__in=scoped_rows.values("pk")) | Q(pk__in=current))
                .select_related(*_select_related(scoped_rows))
                .order_by(*scoped_rows.query.order_by)
            )


def _select_related(queryset) -> list[str]:
    related = queryset.query.select_related
    if not isinstance(related, dict):
        return []

    def walk(tree, prefix=""):
        for key, sub in tree.items():
            yield prefix + key
            yield from walk(sub, f"{prefix}{key}__")

    return list(walk(related))


class ReadOnlyAdminMixin:
    """Records the console shows but nobody edits there (history, the outbox, import jobs): whatever the role."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ScopedRelatedDropdownFilter(RelatedDropdownFilter):
    """unfold's related dropdown filter listing only the related rows in the user's scope."""

    def field_choices(self, field, request, model_admin):
        related_model = field.remote_field.model
        scoped_rows = related_choices(model=related_model, request=request)
        if scoped_rows is None:
            return super().field_choices(field, request, model_admin)
        ordering = self.field_admin_ordering(field, request, model_admin)
        return field.get_choices(
            include_blank=False, ordering=ordering, limit_choices_to=Q(pk__in=scoped_rows.values("pk"))
        )


class ScopedAutocompleteDropdownForm(AutocompleteDropdownForm):
    """The filter's selected value is looked up in the user's scope: an id typed into the URL for a row out
    of scope renders nothing, instead of that row's name."""

    def __init__(self, request, name, label, choices, field, model_admin, multiple=False, *args, **kwargs):
        super().__init__(request, name, label, choices, field, model_admin, multiple, *args, **kwargs)
        scoped_rows = related_choices(model=field.remote_field.model, request=request)
        if scoped_rows is not None:
            self.fields[name].queryset = scoped_rows


class ScopedAutocompleteSelectFilter(AutocompleteSelectFilter):
    """unfold's autocomplete filter (its search already goes through the related admin's scoped queryset): no
    query for its choices, which come as one types. Shown to those who may search the related rows only (the
    search answers others 403)."""

    form_class = ScopedAutocompleteDropdownForm

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        related_admin = model_admin.admin_site._registry.get(field.remote_field.model)
        self.searchable = related_admin is not None and related_admin.has_view_permission(request)

    def has_output(self) -> bool:
        return self.searchable
