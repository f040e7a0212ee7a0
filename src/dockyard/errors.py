"""The one error hierarchy of dockyard.

Services raise these; `api.status` maps them to HTTP status codes and `cli` to exit
codes. Messages are lower-case and name the object, as Docker's are.
"""


class DockyardError(Exception):
    """Base of every error dockyard reports to a user."""

    @property
    def message(self) -> str:
        return str(self)


class InvalidArgument(DockyardError):
    """The request is malformed or names an invalid value (HTTP 400)."""


class Unauthorized(DockyardError):
    """Credentials are missing or wrong (HTTP 401)."""


class Forbidden(DockyardError):
    """The operation is not allowed in this state (HTTP 403)."""


class NotFound(DockyardError):
    """The named object does not exist (HTTP 404)."""


class Conflict(DockyardError):
    """The operation conflicts with the object's state or another object (HTTP 409)."""


class NotModified(DockyardError):
    """The object is already in the requested state (HTTP 304)."""


class NotImplementedYet(DockyardError):
    """The feature is not available in this build (HTTP 501)."""


class Unavailable(DockyardError):
    """The service is not available on this node, e.g. swarm mode (HTTP 503)."""


class InternalError(DockyardError):
    """The engine failed while doing what was asked (HTTP 500)."""
