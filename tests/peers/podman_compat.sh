#!/usr/bin/env bash
# Peer conformance: podman's docker-compat tests (test/python/docker/compat of podman v5.8.2,
# docker-py based) against the daemon at $DOCKER_HOST, through tests/peers/podman_docker_host.py.
# The tests remove every container and image of the daemon after each test: point it only at a
# daemon on a temporary root.
#
#   DOCKER_HOST=unix:///tmp/dy/d.sock tests/peers/podman_compat.sh [pytest args]
#
# Environment: PODMAN_MIRROR (git mirror of github.com/containers/podman; default
# .mirror/containers+podman/repo in the nearest folder above the project that has one), PODMAN_SRC (/tmp/podman-compat-v5.8.2),
# PODMAN_VENV (/tmp/podman-compat-venv), PODMAN_JUNIT, PODMAN_TIMEOUT (120 s a test),
# PODMAN_SAVE=FILE (write each test's outcome as JSON: how the dockerd baseline was made).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
TAG=v5.8.2
MIRROR=${PODMAN_MIRROR:-$(d=$REPO; while [ "$d" != / ] && [ ! -e "$d/.mirror/containers+podman/repo" ]; do d=$(dirname "$d"); done; echo "$d/.mirror/containers+podman/repo")}
SRC=${PODMAN_SRC:-/tmp/podman-compat-$TAG}
VENV=${PODMAN_VENV:-/tmp/podman-compat-venv}
JUNIT=${PODMAN_JUNIT:-/tmp/podman-compat-junit.xml}
die() { echo "podman_compat.sh: $*" >&2; exit 2; }
[ -n "${DOCKER_HOST:-}" ] || die "set DOCKER_HOST to a daemon on a temporary root"

if [ ! -f "$SRC/test/python/docker/compat/common.py" ]; then
    [ -e "$MIRROR" ] || die "no podman source: set PODMAN_SRC or PODMAN_MIRROR"
    # only the suite, its registries.conf and the swagger it validates inspect against
    for f in $(git --git-dir="$MIRROR" ls-tree -r --name-only "$TAG" test/python) \
             test/registries.conf vendor/github.com/docker/docker/api/swagger.yaml; do
        mkdir -p "$SRC/$(dirname "$f")" && git --git-dir="$MIRROR" show "$TAG:$f" >"$SRC/$f" ||
            die "cannot read $f at $TAG"
    done
    touch "$SRC/test/__init__.py"  # else `test` is the standard library's test package
fi
if [ ! -x "$VENV/bin/pytest" ]; then
    python3 -m venv "$VENV" && "$VENV/bin/pip" install -q 'docker==7.1.0' 'pytest==8.4.2' \
        'pytest-timeout==2.4.0' 'PyYAML==6.0.3' 'openapi-schema-validator==0.6.3' ||
        die "virtualenv $VENV failed"
fi

rm -f "$JUNIT"
( cd "$SRC" && PYTHONPATH="$SRC:$REPO" "$VENV/bin/python" -m pytest -p no:cacheprovider \
    -p tests.peers.podman_docker_host -p no:warnings -rfE --tb=short \
    --timeout="${PODMAN_TIMEOUT:-120}" --junitxml="$JUNIT" test/python/docker/compat "$@" )
rc=$?
[ -s "$JUNIT" ] || die "pytest wrote no junit xml"
PYTHONPATH=$REPO python3 -m tests.peers.outcomes "$JUNIT" ${PODMAN_SAVE:+--save "$PODMAN_SAVE"} \
    --compare "$HERE/baselines/podman-compat-dockerd-20.10.json"
exit $rc
