"""Container events with the attributes Docker attaches: image, name, and the labels."""


class ContainerEvents:
    def __init__(self, journal):
        self.journal = journal

    def __call__(self, container, action: str, **extra: str) -> None:
        attributes = {"image": container.config.get("Image", ""), "name": container.name,
                      **(container.config.get("Labels") or {}), **extra}
        self.journal.emit("container", action, container.id, attributes)
