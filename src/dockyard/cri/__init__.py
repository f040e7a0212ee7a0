"""The Kubernetes Container Runtime Interface (CRI v1, gRPC) over the Engine API's services.

Loaded only when the daemon is given `--cri-socket`. Pods are sandbox ("pause") containers
holding the namespaces their containers join; both are ordinary containers of the container
service, labelled as the kubelet's, so `docker ps`, `docker logs` and `docker images` see what
the kubelet runs. Exec, attach and port-forward go through the streaming server (`streaming/`).
"""
