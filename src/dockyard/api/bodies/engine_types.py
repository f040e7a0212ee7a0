"""The Engine API's request bodies as dockerd 20.10 decodes them (Go type and struct names as its
error messages print them), with the fields API 1.44 added (Annotations, endpoint MacAddress,
DNSNames ...). Pure data; api/bodies/gotypes.py decodes with it."""

from dockyard.api.bodies.gotypes import Array, Int, Map, Scalar, Slice, StrSlice, Struct

STRING = Scalar("string")
BOOL = Scalar("bool", bool)
INT = Int("int")
INT64 = Int("int64")
UINT16 = Int("uint16", 16, signed=False)
UINT64 = Int("uint64", 64, signed=False)
UINT = Int("uint", 64, signed=False)
STRINGS = Slice(STRING)
STRING_MAP = Map(STRING)
DURATION = Int("time.Duration")
EMPTY_STRUCT = Struct("struct {}")


def _named(name: str) -> Scalar:
    return Scalar(name)


HEALTH_CONFIG = Struct("container.HealthConfig", {
    "Test": STRINGS, "Interval": DURATION, "Timeout": DURATION, "StartPeriod": DURATION,
    "StartInterval": DURATION, "Retries": INT})

CONFIG_FIELDS = {
    "Hostname": STRING, "Domainname": STRING, "User": STRING, "AttachStdin": BOOL, "AttachStdout": BOOL,
    "AttachStderr": BOOL, "ExposedPorts": Map(EMPTY_STRUCT, "nat.PortSet"), "Tty": BOOL, "OpenStdin": BOOL,
    "StdinOnce": BOOL, "Env": STRINGS, "Cmd": StrSlice(), "Healthcheck": HEALTH_CONFIG, "ArgsEscaped": BOOL,
    "Image": STRING, "Volumes": Map(EMPTY_STRUCT), "WorkingDir": STRING, "Entrypoint": StrSlice(),
    "NetworkDisabled": BOOL, "MacAddress": STRING, "OnBuild": STRINGS, "Labels": STRING_MAP,
    "StopSignal": STRING, "StopTimeout": INT, "Shell": StrSlice()}
CONFIG = Struct("container.Config", CONFIG_FIELDS)

_WEIGHT_DEVICE = Struct("blkiodev.WeightDevice", {"Path": STRING, "Weight": UINT16})
_THROTTLE_DEVICE = Struct("blkiodev.ThrottleDevice", {"Path": STRING, "Rate": UINT64})
RESOURCES_FIELDS = {
    "CpuShares": INT64, "Memory": INT64, "NanoCpus": INT64, "CgroupParent": STRING, "BlkioWeight": UINT16,
    "BlkioWeightDevice": Slice(_WEIGHT_DEVICE), "BlkioDeviceReadBps": Slice(_THROTTLE_DEVICE),
    "BlkioDeviceWriteBps": Slice(_THROTTLE_DEVICE), "BlkioDeviceReadIOps": Slice(_THROTTLE_DEVICE),
    "BlkioDeviceWriteIOps": Slice(_THROTTLE_DEVICE), "CpuPeriod": INT64, "CpuQuota": INT64,
    "CpuRealtimePeriod": INT64, "CpuRealtimeRuntime": INT64, "CpusetCpus": STRING, "CpusetMems": STRING,
    "Devices": Slice(Struct("container.DeviceMapping", {
        "PathOnHost": STRING, "PathInContainer": STRING, "CgroupPermissions": STRING})),
    "DeviceCgroupRules": STRINGS,
    "DeviceRequests": Slice(Struct("container.DeviceRequest", {
        "Driver": STRING, "Count": INT, "DeviceIDs": STRINGS, "Capabilities": Slice(STRINGS),
        "Options": STRING_MAP})),
    "KernelMemory": INT64, "KernelMemoryTCP": INT64, "MemoryReservation": INT64, "MemorySwap": INT64,
    "MemorySwappiness": INT64, "OomKillDisable": BOOL, "PidsLimit": INT64,
    "Ulimits": Slice(Struct("units.Ulimit", {"Name": STRING, "Hard": INT64, "Soft": INT64})),
    "CpuCount": INT64, "CpuPercent": INT64, "IOMaximumIOps": UINT64, "IOMaximumBandwidth": UINT64}

RESTART_POLICY = Struct("container.RestartPolicy", {"Name": STRING, "MaximumRetryCount": INT})

_DRIVER = Struct("mount.Driver", {"Name": STRING, "Options": STRING_MAP})
MOUNT = Struct("mount.Mount", {
    "Type": _named("mount.Type"), "Source": STRING, "Target": STRING, "ReadOnly": BOOL,
    "Consistency": _named("mount.Consistency"),
    "BindOptions": Struct("mount.BindOptions", {
        "Propagation": _named("mount.Propagation"), "NonRecursive": BOOL, "CreateMountpoint": BOOL,
        "ReadOnlyNonRecursive": BOOL, "ReadOnlyForceRecursive": BOOL}),
    "VolumeOptions": Struct("mount.VolumeOptions", {
        "NoCopy": BOOL, "Labels": STRING_MAP, "DriverConfig": _DRIVER, "Subpath": STRING}),
    "TmpfsOptions": Struct("mount.TmpfsOptions", {
        "SizeBytes": INT64, "Mode": Int("fs.FileMode", 32, signed=False), "Options": Slice(STRINGS)})})

PORT_BINDING = Struct("nat.PortBinding", {"HostIp": STRING, "HostPort": STRING})

HOST_CONFIG_FIELDS = {
    "Binds": STRINGS, "ContainerIDFile": STRING,
    "LogConfig": Struct("container.LogConfig", {"Type": STRING, "Config": STRING_MAP}),
    "NetworkMode": _named("container.NetworkMode"), "PortBindings": Map(Slice(PORT_BINDING), "nat.PortMap"),
    "RestartPolicy": RESTART_POLICY, "AutoRemove": BOOL, "VolumeDriver": STRING, "VolumesFrom": STRINGS,
    "ConsoleSize": Array(UINT, size=2), "Annotations": STRING_MAP,
    "CapAdd": StrSlice(), "CapDrop": StrSlice(), "CgroupnsMode": _named("container.CgroupnsMode"),
    "Dns": STRINGS, "DnsOptions": STRINGS, "DnsSearch": STRINGS, "ExtraHosts": STRINGS, "GroupAdd": STRINGS,
    "IpcMode": _named("container.IpcMode"), "Cgroup": _named("container.CgroupSpec"), "Links": STRINGS,
    "OomScoreAdj": INT, "PidMode": _named("container.PidMode"), "Privileged": BOOL, "PublishAllPorts": BOOL,
    "ReadonlyRootfs": BOOL, "SecurityOpt": STRINGS, "StorageOpt": STRING_MAP, "Tmpfs": STRING_MAP,
    "UTSMode": _named("container.UTSMode"), "UsernsMode": _named("container.UsernsMode"), "ShmSize": INT64,
    "Sysctls": STRING_MAP, "Runtime": STRING, "Isolation": _named("container.Isolation"),
    **RESOURCES_FIELDS,
    "Mounts": Slice(MOUNT, "[]mount.Mount"), "MaskedPaths": STRINGS, "ReadonlyPaths": STRINGS, "Init": BOOL}
HOST_CONFIG = Struct("container.HostConfig", HOST_CONFIG_FIELDS)

ENDPOINT_SETTINGS = Struct("network.EndpointSettings", {
    "IPAMConfig": Struct("network.EndpointIPAMConfig", {
        "IPv4Address": STRING, "IPv6Address": STRING, "LinkLocalIPs": STRINGS}),
    "Links": STRINGS, "Aliases": STRINGS, "MacAddress": STRING, "DriverOpts": STRING_MAP,
    "NetworkID": STRING, "EndpointID": STRING, "Gateway": STRING, "IPAddress": STRING, "IPPrefixLen": INT,
    "IPv6Gateway": STRING, "GlobalIPv6Address": STRING, "GlobalIPv6PrefixLen": INT, "DNSNames": STRINGS})

NETWORKING_CONFIG = Struct("network.NetworkingConfig", {"EndpointsConfig": Map(ENDPOINT_SETTINGS)})

# POST /containers/create: Config, with HostConfig's fields also at the top (API < 1.20 sent them there).
CONTAINER_CREATE = Struct("runconfig.ContainerConfigWrapper", {
    **HOST_CONFIG_FIELDS, **CONFIG_FIELDS, "HostConfig": HOST_CONFIG, "NetworkingConfig": NETWORKING_CONFIG})

CONTAINER_UPDATE = Struct("container.UpdateConfig", {**RESOURCES_FIELDS, "RestartPolicy": RESTART_POLICY})

NETWORK_CREATE = Struct("types.NetworkCreateRequest", {
    "Name": STRING, "CheckDuplicate": BOOL, "Driver": STRING, "Scope": STRING, "EnableIPv6": BOOL,
    "IPAM": Struct("network.IPAM", {
        "Driver": STRING, "Options": STRING_MAP,
        "Config": Slice(Struct("network.IPAMConfig", {
            "Subnet": STRING, "IPRange": STRING, "Gateway": STRING, "AuxiliaryAddresses": STRING_MAP}))}),
    "Internal": BOOL, "Attachable": BOOL, "Ingress": BOOL, "ConfigOnly": BOOL,
    "ConfigFrom": Struct("network.ConfigReference", {"Network": STRING}),
    "Options": STRING_MAP, "Labels": STRING_MAP})

NETWORK_CONNECT = Struct("types.NetworkConnect", {"Container": STRING, "EndpointConfig": ENDPOINT_SETTINGS})
NETWORK_DISCONNECT = Struct("types.NetworkDisconnect", {"Container": STRING, "Force": BOOL})

VOLUME_CREATE = Struct("volume.VolumeCreateBody", {
    "Name": STRING, "Driver": STRING, "DriverOpts": STRING_MAP, "Labels": STRING_MAP})

EXEC_CREATE = Struct("types.ExecConfig", {
    "User": STRING, "Privileged": BOOL, "Tty": BOOL, "ConsoleSize": Array(UINT, size=2),
    "AttachStdin": BOOL, "AttachStderr": BOOL, "AttachStdout": BOOL, "Detach": BOOL, "DetachKeys": STRING,
    "Env": STRINGS, "WorkingDir": STRING, "Cmd": STRINGS})
EXEC_START = Struct("types.ExecStartCheck", {
    "Detach": BOOL, "Tty": BOOL, "ConsoleSize": Array(UINT, size=2)})

AUTH_CONFIG = Struct("types.AuthConfig", {  # its JSON names are lower-case
    "username": STRING, "password": STRING, "auth": STRING, "email": STRING, "serveraddress": STRING,
    "identitytoken": STRING, "registrytoken": STRING})
