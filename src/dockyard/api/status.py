"""The one place errors become HTTP status codes."""

from dockyard import errors

_STATUS = [
    (errors.NotModified, 304),
    (errors.InvalidArgument, 400),
    (errors.Unauthorized, 401),
    (errors.Forbidden, 403),
    (errors.NotFound, 404),
    (errors.Conflict, 409),
    (errors.NotImplementedYet, 501),
    (errors.Unavailable, 503),
    (errors.InternalError, 500),
]


def status_for(error: Exception) -> int:
    for kind, status in _STATUS:
        if isinstance(error, kind):
            return status
    return 500
