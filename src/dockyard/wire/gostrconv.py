"""Go's strconv parsers, as dockerd reads flags and option values with them (pure): anything
they refuse is an error, never a default."""


class GoSyntaxError(ValueError):
    """Go's `strconv.X: parsing "...": invalid syntax`, the text dockerd shows."""


def parse_bool(text: str) -> bool:
    if text in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if text in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    raise GoSyntaxError(f'strconv.ParseBool: parsing "{text}": invalid syntax')


def atoi(text: str) -> int:
    digits = text[1:] if text[:1] in ("+", "-") else text
    if not digits or not digits.isascii() or not digits.isdigit():
        raise GoSyntaxError(f'strconv.Atoi: parsing "{text}": invalid syntax')
    return int(text)
