"""What a `docker buildx build` takes from the client's session beyond the context: `--secret`
(the session's Secrets service), `--ssh` (its SSH agent, forwarded into the RUN as a socket)
and `--allow`; with BuildKit's Dockerfile syntax (cache mounts, heredocs) and `docker builder
prune`. The same Dockerfiles, flags and outputs were run against dockerd 20.10 with the same
buildx: its RUN output lines, errors, history and config are what is asserted here."""

import hashlib
import shutil
import subprocess

import pytest


pytestmark = pytest.mark.root

SESSION_DOCKERFILE = """\
FROM busybox
COPY tools/ /
RUN --mount=type=secret,id=token echo "token: $(cat /run/secrets/token)"
RUN --mount=type=secret,id=token,target=/etc/tok cat /etc/tok
RUN --mount=type=ssh echo "sock=$SSH_AUTH_SOCK"; ssh-add -l
RUN --mount=type=secret,id=missing echo "no secret: $(ls /run/secrets)"
"""


def _with_ssh_add(context) -> None:
    """The host's ssh-add (openssh-client) and the libraries it loads, for busybox to run."""
    tools = context / "tools"
    binary = shutil.which("ssh-add")
    assert binary, "ssh-add (openssh-client, installed by scripts/setup)"
    libraries = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
    for path in [binary, *(word for word in libraries.split() if word.startswith("/"))]:
        target = tools / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)


def _run_output(stderr: str, step: str) -> list[str]:
    """The lines a step's RUN printed, in buildx's plain progress (`#7 0.127 token: ...`)."""
    number = next(line.split()[0] for line in stderr.splitlines() if line.endswith(step) and line.startswith("#"))
    return [line.split(" ", 2)[2] for line in stderr.splitlines()
            if line.startswith(number + " ") and line.split(" ", 2)[1][:1].isdigit()]


def test_secret_and_ssh_agent_from_the_session(buildx, tmp_path):
    context = tmp_path / "context"
    context.mkdir()
    (context / "Dockerfile").write_text(SESSION_DOCKERFILE)
    _with_ssh_add(context)
    (tmp_path / "token.txt").write_text("s3cr3t\n")
    key = tmp_path / "key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "buildkey", "-f", str(key)], check=True)
    fingerprint = subprocess.run(["ssh-keygen", "-lf", str(key)], capture_output=True, text=True,
                                 check=True).stdout.split()[1]

    result = buildx.docker("build", "--progress", "plain", "--secret", f"id=token,src={tmp_path / 'token.txt'}",
                           "--ssh", f"default={key}", "-t", "session/secrets:1", str(context))
    err = result.stderr
    assert _run_output(err, 'echo "token: $(cat /run/secrets/token)"') == ["token: s3cr3t"]
    assert _run_output(err, "cat /etc/tok") == ["s3cr3t"]
    assert _run_output(err, 'ssh-add -l') == ["sock=/run/buildkit/ssh_agent.0",
                                               f"256 {fingerprint}  (ED25519)"]
    assert _run_output(err, 'echo "no secret: $(ls /run/secrets)"') == ["no secret: "]   # skipped, as BuildKit

    # nothing of the secret stays in the image: the mount point only, as dockerd's BuildKit leaves it
    listing = buildx.docker("run", "--rm", "session/secrets:1", "sh", "-c",
                            "ls -a /run/secrets /run/buildkit; cat /etc/tok 2>&1; true").stdout.split()
    assert listing == ["/run/buildkit:", ".", "..", "/run/secrets:", ".", "..", "cat:", "can't", "open",
                       "'/etc/tok':", "No", "such", "file", "or", "directory"]
    history = buildx.docker("history", "--no-trunc", "--format", "{{.CreatedBy}}", "session/secrets:1").stdout
    assert history.splitlines()[:2] == [
        'RUN /bin/sh -c echo "no secret: $(ls /run/secrets)" # buildkit',
        'RUN /bin/sh -c echo "sock=$SSH_AUTH_SOCK"; ssh-add -l # buildkit',
    ]


def test_refusals_as_dockerd_words_them(buildx, tmp_path):
    context = tmp_path / "context"
    context.mkdir()
    (context / "Dockerfile").write_text("FROM busybox\nRUN --mount=type=secret,id=missing,required cat "
                                        "/run/secrets/missing\n")
    failed = buildx.docker("build", "--progress", "plain", str(context), check=False)
    assert failed.returncode == 1
    assert failed.stderr.rstrip().endswith("ERROR: failed to build: failed to solve: secret missing not found: "
                                           "not found")
    insecure = buildx.docker("build", "--allow", "security.insecure", str(context), check=False)
    assert insecure.stderr.rstrip().endswith("granting entitlement security.insecure is not allowed by build "
                                             "daemon configuration")
    # dockerd's BuildKit would read another BuildKit's cache; ours cannot (its records are keyed
    # by LLB digests), and says so
    cache = tmp_path / "cache"
    (cache / "blobs" / "sha256").mkdir(parents=True)

    def blob(data: bytes, media: str) -> str:
        digest = hashlib.sha256(data).hexdigest()
        (cache / "blobs" / "sha256" / digest).write_bytes(data)
        return f'{{"mediaType":"{media}","digest":"sha256:{digest}","size":{len(data)}}}'
    config = blob(b'{"records":[{"digest":"sha256:' + b"0" * 64 + b'"}]}', "application/vnd.buildkit.cacheconfig.v0")
    index = blob(b'{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":['
                 + config.encode() + b"]}", "application/vnd.oci.image.index.v1+json")
    (cache / "index.json").write_text(f'{{"schemaVersion":2,"manifests":[{index[:-1]},'
                                      '"annotations":{"org.opencontainers.image.ref.name":"latest"}}]}')
    imported = buildx.docker("build", "--cache-from", f"type=local,src={cache}", str(context), check=False,
                             timeout=60)
    assert imported.returncode == 1
    assert "holds BuildKit's own cache, keyed by LLB digests this daemon's builder does not make" \
        in imported.stderr


def test_cache_mount_and_heredoc_then_builder_prune(buildx, tmp_path):
    context = tmp_path / "context"
    context.mkdir()
    (context / "Dockerfile").write_text("FROM busybox\n"
                                        "RUN --mount=type=cache,target=/cache echo run >> /cache/runs; wc -l < /cache/runs\n"
                                        "RUN <<EOF\necho from a heredoc\nEOF\n")
    runs = "wc -l < /cache/runs"
    first = buildx.docker("build", "--progress", "plain", "--no-cache", str(context)).stderr
    assert _run_output(first, runs) == ["1"] and _run_output(first, "RUN <<EOF") == ["from a heredoc"]
    second = buildx.docker("build", "--progress", "plain", "--no-cache", str(context)).stderr
    assert _run_output(second, runs) == ["2"]                       # the cache mount persisted
    assert "exec.cachemount" in buildx.docker("buildx", "du", "--verbose").stdout
    buildx.docker("builder", "prune", "-f")                          # = docker buildx prune with the plugin
    third = buildx.docker("build", "--progress", "plain", "--no-cache", str(context)).stderr
    assert _run_output(third, runs) == ["1"]
    buildx.docker("builder", "prune", "-f")      # the daemon is shared: leave no cache mount behind
