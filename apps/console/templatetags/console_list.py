"""`{% console_result_list cl %}`: unfold's change list table with lean rows (apps/console/rows.py)."""

from django import template
from django.contrib.admin.templatetags.base import InclusionAdminNode

from apps.console.hierarchy import date_hierarchy
from apps.console.rows import result_list

register = template.Library()


@register.tag(name="console_result_list")
def console_result_list(parser, token):
    return InclusionAdminNode(parser, token, func=result_list, template_name="console_change_list_results.html")


@register.tag(name="console_date_hierarchy")
def console_date_hierarchy(parser, token):
    return InclusionAdminNode(
        parser, token, func=date_hierarchy, template_name="date_hierarchy.html", takes_context=False
    )
