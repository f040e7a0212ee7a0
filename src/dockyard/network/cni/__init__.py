"""Pod networking through CNI plugins (the Container Network Interface), as the CRI needs it:
`config` (pure) finds and checks network configuration lists, `plugins` runs plugin binaries,
`pods` attaches a pod's network namespace to the configured network and detaches it."""
