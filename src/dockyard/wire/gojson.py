"""JSON as Go's encoding/json writes it (pure): compact, keys as given, non-ASCII kept, and `<`,
`>`, `&`, U+2028, U+2029 escaped unless HTML escaping is off (SetEscapeHTML(false))."""

import json

_HTML = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def dumps(value, escape_html: bool = True) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if escape_html:
        for char, escaped in _HTML.items():
            text = text.replace(char, escaped)
    return text
