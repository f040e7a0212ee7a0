"""Docker's default seccomp semantics as an OCI `linux.seccomp` allowlist (pure).

Every syscall is denied (EPERM) unless listed. The list is built from the kernel's x86_64
table minus the calls Docker's default profile withholds: those that act on the whole host
(kernel modules, clocks, reboot, swap, accounting, keyrings, namespaces and mounts, ...).
Some come back when the container holds the capability that already governs them, as in
Docker's profile. ptrace and friends stay allowed (Docker allows them on kernels >= 4.8).
`clone` is allowed only without namespace flags, `clone3` fails with
ENOSYS so libcs fall back to `clone`, `personality` only for the harmless personas.
"""

from dockyard.oci.syscall_table import X86_64

# Withheld unless a capability below grants them back.
_DENIED = frozenset({
    "acct", "add_key", "bpf", "clock_adjtime", "clock_settime", "clone", "clone3",
    "create_module", "delete_module", "finit_module", "fsconfig", "fsmount", "fsopen",
    "fspick", "get_kernel_syms", "get_mempolicy", "init_module", "ioperm", "iopl",
    "kexec_file_load", "kexec_load", "keyctl", "lookup_dcookie", "mbind", "mount",
    "mount_setattr", "move_mount", "move_pages", "name_to_handle_at", "nfsservctl",
    "open_by_handle_at", "open_tree", "perf_event_open", "personality", "pivot_root",
    "query_module", "quotactl",
    "quotactl_fd", "reboot", "request_key", "set_mempolicy", "set_mempolicy_home_node",
    "setns", "settimeofday", "swapoff", "swapon", "sysfs", "_sysctl", "syslog", "umount2",
    "unshare", "uselib", "userfaultfd", "ustat", "vhangup",
    "afs_syscall", "tuxcall", "security", "vserver", "getpmsg", "putpmsg",
    "fanotify_init", "open_tree_attr",
})

# Capability -> syscalls it brings back (Docker's `includes.caps`).
_BY_CAPABILITY: dict[str, tuple[str, ...]] = {
    "CAP_SYS_ADMIN": (
        "bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick",
        "lookup_dcookie", "mount", "mount_setattr", "move_mount", "name_to_handle_at",
        "open_tree", "perf_event_open", "quotactl", "quotactl_fd", "setdomainname",
        "sethostname", "setns", "syslog", "umount2", "unshare",
    ),
    "CAP_SYS_BOOT": ("reboot",),
    "CAP_SYS_CHROOT": (),
    "CAP_SYS_MODULE": ("delete_module", "init_module", "finit_module"),
    "CAP_SYS_PACCT": ("acct",),
    "CAP_SYS_RAWIO": ("iopl", "ioperm"),
    "CAP_SYS_TIME": ("settimeofday", "clock_settime", "clock_adjtime"),
    "CAP_SYS_TTY_CONFIG": ("vhangup",),
    "CAP_SYS_NICE": ("get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node",
                     "move_pages"),
    "CAP_SYSLOG": ("syslog",),
    "CAP_BPF": ("bpf",),
    "CAP_PERFMON": ("perf_event_open",),
    "CAP_DAC_READ_SEARCH": ("open_by_handle_at",),
}

# Namespace-creating clone flags: NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET.
_CLONE_NAMESPACE_FLAGS = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 \
    | 0x20000000 | 0x40000000
_SAFE_PERSONAS = (0x0, 0x8, 0x20000, 0x20008, 0xFFFFFFFF)
_ENOSYS = 38


def default_seccomp_profile(capabilities: list[str]) -> dict:
    """The OCI seccomp object Docker would put in the spec for a container with these caps."""
    granted = {name for cap in capabilities for name in _BY_CAPABILITY.get(cap, ())}
    allowed = sorted(
        name for name in X86_64
        if name not in _DENIED or name in granted
    )
    syscalls: list[dict] = [{"names": allowed, "action": "SCMP_ACT_ALLOW"}]
    syscalls += [
        {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
         "args": [{"index": 0, "value": persona, "op": "SCMP_CMP_EQ"}]}
        for persona in _SAFE_PERSONAS
    ]
    if "clone" not in granted:
        syscalls.append({
            "names": ["clone"], "action": "SCMP_ACT_ALLOW",
            "args": [{"index": 0, "value": _CLONE_NAMESPACE_FLAGS, "valueTwo": 0,
                      "op": "SCMP_CMP_MASKED_EQ"}],
        })
    if "clone3" not in granted:
        syscalls.append({"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": _ENOSYS})
    return {
        "defaultAction": "SCMP_ACT_ERRNO",
        "defaultErrnoRet": 1,
        "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
        "syscalls": syscalls,
    }
