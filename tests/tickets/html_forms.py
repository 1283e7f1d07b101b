"""Read an admin form as a browser would submit it, so tests post what the user saw (plus their edits)."""

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.data: dict[str, list[str]] = {}
        self._textarea: str | None = None
        self._select: str | None = None
        self._select_options: list[tuple[str, bool]] = []

    def _add(self, name: str, value: str) -> None:
        if name and "__prefix__" not in name:
            self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside:
            return
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self._add(attrs.get("name", ""), attrs.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "textarea":
            self._textarea = attrs.get("name", "")
            self._add(self._textarea, "")
            if self._textarea not in self.data:  # an empty template row, never submitted
                self._textarea = None
        elif tag == "select":
            self._select, self._select_options = attrs.get("name", ""), []
        elif tag == "option" and self._select is not None:
            self._select_options.append((attrs.get("value", ""), "selected" in attrs))

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self._textarea is not None:
            value = self.data[self._textarea][-1]
            # a browser drops the one newline that may follow <textarea>
            self.data[self._textarea][-1] = value[1:] if value.startswith("\n") else value
            self._textarea = None
        elif tag == "select" and self._select is not None:
            chosen = [value for value, selected in self._select_options if selected]
            for value in chosen or [value for value, _ in self._select_options[:1]]:
                self._add(self._select, value)
            self._select = None


def form_data(response, form_id: str) -> dict[str, str | list[str]]:
    """The fields of `<form id=form_id>` in the response, as the browser would post them."""
    reader = _FormReader(form_id)
    reader.feed(response.content.decode())
    return {name: values[0] if len(values) == 1 else values for name, values in reader.data.items()}
