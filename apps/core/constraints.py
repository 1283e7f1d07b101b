"""An exclusion constraint that exists on PostgreSQL and is silently absent elsewhere.

The overlap rules (a person's live shifts, a facility's confirmed events) are
enforced by PostgreSQL itself so that two concurrent saves cannot both win. The
SQLite demo database has no exclusion constraints; there the services' own check
is the guard. Keeping the constraint in the model state (rather than in a raw SQL
migration) lets `makemigrations --check` see it and lets `full_clean()` report a
violation with its message on PostgreSQL.
"""

from django.contrib.postgres.constraints import ExclusionConstraint
from django.db import DEFAULT_DB_ALIAS


class PostgresExclusionConstraint(ExclusionConstraint):
    @staticmethod
    def _is_postgres(schema_editor) -> bool:
        return schema_editor.connection.vendor == "postgresql"

    def constraint_sql(self, model, schema_editor):
        if not self._is_postgres(schema_editor):
            return None
        return super().constraint_sql(model, schema_editor)

    def create_sql(self, model, schema_editor):
        if not self._is_postgres(schema_editor):
            return None
        return super().create_sql(model, schema_editor)

    def remove_sql(self, model, schema_editor):
        if not self._is_postgres(schema_editor):
            return None
        return super().remove_sql(model, schema_editor)

    def validate(self, model, instance, exclude=None, using=DEFAULT_DB_ALIAS):
        from django.db import connections

        if connections[using].vendor != "postgresql":
            return
        # Django 5.2 evaluates the condition even when a field it reads failed validation
        # (ticket #36222, fixed in 6.0), turning a bad choice into a FieldError; skip instead.
        if exclude and self.condition is not None and self._expression_refs_exclude(model, self.condition, exclude):
            return
        super().validate(model, instance, exclude=exclude, using=using)
