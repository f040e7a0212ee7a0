"""The Engine API edge: HTTP/1.1 server, routing, and one module of routes per resource."""
