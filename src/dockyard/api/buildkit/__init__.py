"""BuildKit's protocol for `docker buildx build` (docker driver): `POST /grpc` serves the
control API and the frontend gateway, `POST /session` holds the client's session (file sync,
auth, secrets). Only `routes` is imported with the API: the gRPC stack (h2, protobuf) loads
with the first BuildKit request, so the daemon's start does not pay for it."""
