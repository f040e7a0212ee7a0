"""gRPC over HTTP/2 on a connection the HTTP server hijacked (BuildKit's `/grpc` and `/session`).

grpcio serves only sockets it accepts itself, so the daemon speaks gRPC through h2's state
machine: `framing` (message prefixes, status codes), `h2_endpoint` (one HTTP/2 connection,
either side), `server` (serves methods on it) and `client` (calls the peer's methods on it).
"""
