from dockyard.registry.challenge import Challenge, parse_challenges, scope


def test_bearer_challenge_of_docker_hub():
    header = ('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",'
              'scope="repository:library/busybox:pull"')
    assert parse_challenges(header) == [Challenge("bearer", {
        "realm": "https://auth.docker.io/token", "service": "registry.docker.io",
        "scope": "repository:library/busybox:pull"})]


def test_basic_challenge_of_htpasswd_registry():
    assert parse_challenges('Basic realm="test-realm"') == [Challenge("basic", {"realm": "test-realm"})]


def test_several_challenges_in_one_header_and_quoting():
    header = 'Basic realm="a, b", Bearer realm="https://t/x?y=1", error="invalid_token", service=reg'
    assert parse_challenges(header) == [
        Challenge("basic", {"realm": "a, b"}),
        Challenge("bearer", {"realm": "https://t/x?y=1", "error": "invalid_token", "service": "reg"})]


def test_escaped_quotes_and_scope_with_several_actions():
    assert parse_challenges(r'Bearer realm="say \"hi\""')[0].params["realm"] == 'say "hi"'
    assert scope("team/app", ("pull", "push")) == "repository:team/app:pull,push"


def test_empty_or_garbage_headers():
    assert parse_challenges("") == []
    assert parse_challenges("Negotiate") == [Challenge("negotiate", {})]
