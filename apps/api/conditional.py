"""Conditional requests (API.md, *added*): an ETag on every GET, 304 on `If-None-Match`, 412 on a stale `If-Match`.

The tag is a hash of the body as the caller would receive it, so it is the same for the list or the row
whatever changed it (a workflow step, an import, the console) and differs per caller where scope does.
PATCH compares `If-Match` with the tag of the row as it stands, read under the row's lock, before any
service runs: a change made since the caller read it answers 412 and nothing is written.
"""

import hashlib

from django.http import HttpResponseNotModified
from django.utils.http import parse_etags
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from .exceptions import PreconditionFailed

_renderer = JSONRenderer()


def etag_of(data) -> str:
    return _tag(_renderer.render(data))


def _tag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:40] + '"'


def _etag_of_response(response: Response) -> str:
    """The tag of a response's body, rendered once: the bytes sent are the bytes hashed (compact JSON).

    A caller asking for indented JSON (`Accept: application/json; indent=2`) gets the tag of the compact
    form, so that the tag names the data, not its layout.
    """
    response.render()
    if "indent" in (getattr(response, "accepted_media_type", "") or ""):
        return etag_of(response.data)
    return _tag(response.content)


def _tags(header: str) -> list[str]:
    # a weak validator compares equal on its opaque tag for our purposes (no byte ranges are served)
    return [tag.removeprefix("W/") for tag in parse_etags(header)]


def if_none_match(request, tag: str) -> bool:
    header = request.headers.get("If-None-Match")
    return bool(header) and ("*" in _tags(header) or tag in _tags(header))


def check_if_match(request, current) -> None:
    """Refuse (412) a change to a row whose representation is no longer the one `If-Match` names."""
    header = request.headers.get("If-Match")
    if not header:
        return
    tags = _tags(header)
    if "*" in tags:
        return
    if etag_of(current) not in tags:
        raise PreconditionFailed()


class ConditionalGetMixin:
    """ETag on every successful GET; `If-None-Match` naming it answers 304 with no body."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if (
            request.method in ("GET", "HEAD")
            and isinstance(response, Response)
            and response.status_code == 200
            and response.data is not None
            and getattr(response, "template_name", None) is None
        ):
            tag = _etag_of_response(response)
            response["ETag"] = tag
            response["Cache-Control"] = "private, no-cache"  # kept by the browser, revalidated every time
            if if_none_match(request, tag):
                not_modified = HttpResponseNotModified()
                not_modified["ETag"] = tag
                for header in ("Vary", "Cache-Control"):
                    if header in response:
                        not_modified[header] = response[header]
                return not_modified
        if request.method == "PATCH" and isinstance(response, Response) and response.status_code == 200:
            response["ETag"] = _etag_of_response(response)
        return response
