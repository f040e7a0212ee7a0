from bench.timing_proxy import Exchange, _Connection, endpoint_table, timeline


def test_endpoints_drop_the_version_query_and_ids():
    assert Exchange("POST", "/v1.41/containers/abc123/start?x=1", 0).endpoint == "POST /containers/{id}/start"
    assert Exchange("POST", "/v1.41/containers/create?name=x", 0).endpoint == "POST /containers/create"
    assert Exchange("GET", "/containers/json?all=1", 0).endpoint == "GET /containers/json"
    assert Exchange("POST", "/v1.50/exec/e1/start", 0).endpoint == "POST /exec/{id}/start"
    assert Exchange("HEAD", "/_ping", 0).endpoint == "HEAD /_ping"


def test_requests_and_responses_pair_in_order_on_a_keep_alive_connection():
    shared: list[Exchange] = []
    connection = _Connection(shared)
    connection.client_chunk(b"HEAD /_ping HTTP/1.1\r\nHost: x\r\n\r\n", 1.0)
    connection.daemon_chunk(b"HTTP/1.1 200 OK\r\n\r\n", 1.5)
    connection.client_chunk(b"POST /v1.41/containers/create HTTP/1.1\r\n\r\n{}", 2.0)
    connection.client_chunk(b'{"more": "body"}', 2.1)           # body, not a request
    connection.daemon_chunk(b"HTTP/1.1 201 Created\r\n\r\n", 3.0)
    assert [(e.endpoint, e.sent, e.head, e.ended) for e in shared] == [
        ("HEAD /_ping", 1.0, 1.5, 2.0), ("POST /containers/create", 2.0, 3.0, None)]


def test_nothing_is_parsed_after_an_upgrade():
    shared: list[Exchange] = []
    connection = _Connection(shared)
    connection.client_chunk(b"POST /containers/c/attach?stream=1 HTTP/1.1\r\n\r\n", 1.0)
    connection.daemon_chunk(b"HTTP/1.1 101 UPGRADED\r\n\r\n", 1.1)
    connection.client_chunk(b"GET /looks/like/a/request HTTP/1.1\r\n", 1.2)   # raw stdin bytes
    connection.daemon_chunk(b"HTTP/1.1 200 in container output", 1.3)
    assert len(shared) == 1 and shared[0].head == 1.1


def test_endpoint_table_medians_in_ms():
    exchanges = [Exchange("POST", "/containers/a/start", 0.0, 1.0, 2.0),
                 Exchange("POST", "/containers/b/start", 10.0, 10.5, 11.0),
                 Exchange("POST", "/containers/c/start", 20.0, 20.2, 20.4)]
    assert endpoint_table(exchanges) == [["endpoint", "requests", "to head (ms)", "to end (ms)"],
                                         ["POST /containers/{id}/start", "3", "500.0", "1000.0"]]


def test_timeline_is_relative_to_the_first_request():
    exchanges = [Exchange("POST", "/containers/x/wait", 5.002, 5.003, None),
                 Exchange("HEAD", "/_ping", 5.0, 5.001, 5.002)]
    assert timeline(exchanges)[1:] == [["HEAD /_ping", "0.0", "1.0", "2.0"],
                                       ["POST /containers/{id}/wait", "2.0", "3.0", "—"]]
