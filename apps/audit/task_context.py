"""Every Celery task runs in its own change context: the system account, "Task: <name>", the task id.

Opened on `task_prerun` and closed on `task_postrun` (Celery sends it in a `finally`, whatever the
outcome), so nothing one task set is seen by the next task of the same worker process. Eager tasks
(demo mode, tests) get the same signals inline, in the caller's thread: their context nests inside the
caller's and is closed before control returns to it. An eager retry runs again under the same task id
before the first run has finished, hence a stack per task id.
"""

from contextlib import AbstractContextManager

from celery.signals import task_postrun, task_prerun

from .system import as_system

_open: dict[str, list[AbstractContextManager]] = {}


@task_prerun.connect(dispatch_uid="audit.task_context.open")
def open_task_context(sender=None, task_id=None, task=None, **kwargs):
    context = as_system(reason=f"Task: {task.name}", request_id=task_id)
    context.__enter__()
    _open.setdefault(task_id, []).append(context)


@task_postrun.connect(dispatch_uid="audit.task_context.close")
def close_task_context(sender=None, task_id=None, **kwargs):
    stack = _open.get(task_id)
    if not stack:
        return
    context = stack.pop()
    if not stack:
        del _open[task_id]
    context.__exit__(None, None, None)
