"""Mount planning (pure): a container create request and its image config → planned mounts.

`plan.plan_mounts` turns `HostConfig.Binds/Mounts/Tmpfs/VolumesFrom`, `Config.Volumes` and the
image's `Volumes` into `PlannedMount`s; `oci` renders resolved ones as OCI mount entries and as
the `Mounts` list of container inspect. No I/O happens here: the volume service executes plans.
"""
