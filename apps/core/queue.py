"""Sending work to Celery by the task's name, so a service never imports the task module that imports it.

Each app's `AppConfig.ready()` imports its own `tasks` module, which registers its tasks; a service
names the task it wants run (`apps.<app>.tasks.<function>`), and the task module imports the service,
never the other way round (see DESIGN.md, Floors).
"""

from celery import current_app


def task_named(name: str):
    """The registered Celery task `name` (its module is imported by its app's `ready()`)."""
    return current_app.tasks[name]


def task_send(name: str, *args, **kwargs):
    """`delay()` the task `name` now, in the caller's process when tasks run eagerly."""
    return task_named(name).delay(*args, **kwargs)
