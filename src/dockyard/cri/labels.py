"""How CRI objects are written on the containers they become (pure).

As cri-dockerd (and dockershim before it) does, so that tools reading a node's Docker
containers understand ours: names `k8s_<container>_<pod>_<namespace>_<uid>_<attempt>` (the
sandbox's container is `POD`), the kubelet's labels as they are, annotations as
`annotation.<key>` labels, and the kind, sandbox and log path under `io.kubernetes.*`.
The CRI metadata is kept whole in one label, so nothing is parsed back from names.
"""

import json

KIND = "io.kubernetes.docker.type"
SANDBOX_KIND, CONTAINER_KIND = "podsandbox", "container"
SANDBOX_ID = "io.kubernetes.sandbox.id"
LOG_PATH = "io.kubernetes.container.logpath"
METADATA = "io.dockyard.cri.metadata"
ANNOTATION = "annotation."
_INTERNAL = (KIND, SANDBOX_ID, LOG_PATH, METADATA)


def encode(kind: str, metadata: dict, labels: dict, annotations: dict, **internal: str) -> dict[str, str]:
    """The container's Docker labels. `internal`: sandbox_id, log_path."""
    encoded = dict(labels)
    encoded.update({ANNOTATION + k: v for k, v in annotations.items()})
    encoded[KIND] = kind
    encoded[METADATA] = json.dumps(metadata, sort_keys=True)
    if internal.get("sandbox_id"):
        encoded[SANDBOX_ID] = internal["sandbox_id"]
    if internal.get("log_path"):
        encoded[LOG_PATH] = internal["log_path"]
    return encoded


def kind_of(labels: dict) -> str | None:
    return (labels or {}).get(KIND)


def metadata(labels: dict) -> dict:
    try:
        return json.loads(labels.get(METADATA) or "{}")
    except ValueError:
        return {}


def user_labels(labels: dict) -> dict[str, str]:
    """The labels the kubelet gave, without ours and the annotations."""
    return {k: v for k, v in (labels or {}).items() if k not in _INTERNAL and not k.startswith(ANNOTATION)}


def annotations(labels: dict) -> dict[str, str]:
    return {k[len(ANNOTATION):]: v for k, v in (labels or {}).items() if k.startswith(ANNOTATION)}


def matches(labels: dict, selector: dict) -> bool:
    """A CRI label selector: every pair present (among the kubelet's labels)."""
    own = user_labels(labels)
    return all(own.get(k) == v for k, v in selector.items())


def sandbox_name(meta: dict) -> str:
    return _name("POD", meta)


def container_name(name: str, sandbox_meta: dict, attempt: int) -> str:
    return _name(name, {**sandbox_meta, "attempt": attempt})


def _name(container: str, meta: dict) -> str:
    return "_".join(["k8s", container, meta.get("name", ""), meta.get("namespace", ""), meta.get("uid", ""),
                     str(meta.get("attempt", 0))])
