#!/usr/bin/env bash
# Make sure the local Docker image public.ecr.aws/lambda/python:3.13 exists.
#
#   0. with LAMBDA_BASE_PINNED (the digest-pinned name src/Dockerfile builds on): that image
#      present, or pulled -> also tagged as the tag, done (the real AWS image, as pinned)
#   1. present already            -> done (instant; idempotent)
#   2. `docker pull` works        -> done (the real AWS image)
#   3. otherwise build a stand-in with the same contract (see Dockerfile here):
#      Debian trixie rootfs from debootstrap (its python3 is 3.13, rootfs tarball
#      cached under ${XDG_CACHE_HOME:-$HOME/.cache}/sentiment-api/lambda-base),
#      awslambdaric from PyPI, the Runtime Interface Emulator shipped inside the
#      aws-sam-cli package, ./lambda-entrypoint.sh, and this
#      machine's CA bundle.
#   Also tags the image <tag>-x86_64 (or -arm64), the name `sam local` uses for
#   Zip-packaged python3.13 functions.
#
# Needs: docker; for step 3 also debootstrap, root (or passwordless sudo) and a
# Python that has aws-sam-cli installed.
#
# Environment (all optional):
#   PYTHON                 python with aws-sam-cli, to find the RIE (default python3)
#   LAMBDA_RIE             path of an aws-lambda-rie binary (skips the samcli lookup)
#   LAMBDA_BASE_IMAGE      tag to produce (default public.ecr.aws/lambda/python:3.13)
#   LAMBDA_BASE_PINNED     the digest-pinned name to pull first (default: the tag itself)
#   LAMBDA_BASE_REBUILD=1  build the stand-in even if the tag exists (no pull; reuses
#                          the cached rootfs: delete the cache folder to refresh it)
#   LAMBDA_BASE_PULL_TIMEOUT  seconds for the pull attempt (default 60)
#   LAMBDA_BASE_BUILD_NETWORK network for `docker build` (default: docker's)
#   CA_BUNDLE              CA bundle copied into the image
#                          (default /etc/ssl/certs/ca-certificates.crt)
#   DEBIAN_MIRROR          mirror for debootstrap (default: debootstrap's own)
#   AWSLAMBDARIC_VERSION   (default 4.2.2)
set -euo pipefail

IMAGE="${LAMBDA_BASE_IMAGE:-public.ecr.aws/lambda/python:3.13}"
PINNED="${LAMBDA_BASE_PINNED:-$IMAGE}"
PYTHON="${PYTHON:-python3}"
REBUILD="${LAMBDA_BASE_REBUILD:-0}"
PULL_TIMEOUT="${LAMBDA_BASE_PULL_TIMEOUT:-60}"
CA_BUNDLE="${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"
AWSLAMBDARIC_VERSION="${AWSLAMBDARIC_VERSION:-4.2.2}"
CACHE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/sentiment-api/lambda-base"
SUITE=trixie
INCLUDE=python3,python3-pip,python-is-python3,ca-certificates,tzdata
DEBOOTSTRAP_TIMEOUT=1800
BUILD_TIMEOUT=1200
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

log() { printf '[lambda-base] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
have_image() { timeout 60 docker image inspect "$IMAGE" >/dev/null 2>&1; }
add_arch_tag() { timeout 60 docker tag "$IMAGE" "$ARCH_TAG"; }

case "$(uname -m)" in
  x86_64 | amd64) DEB_ARCH=amd64 LAMBDA_ARCH=x86_64 ;;
  aarch64 | arm64) DEB_ARCH=arm64 LAMBDA_ARCH=arm64 ;;
  *) die "unsupported architecture $(uname -m)" ;;
esac
RIE_NAME="aws-lambda-rie-$LAMBDA_ARCH"
# `sam local` runs Zip-packaged python3.13 functions on <image>-<arch>: give it that tag too.
ARCH_TAG="$IMAGE-$LAMBDA_ARCH"

command -v docker >/dev/null 2>&1 || die "docker is not installed (not on PATH)"
timeout 60 docker info >/dev/null 2>&1 </dev/null \
  || die "cannot talk to the Docker daemon (is dockerd running, may this user use it?)"

if [ "$REBUILD" != 1 ] && [ "$PINNED" != "$IMAGE" ]; then
  if timeout 60 docker image inspect "$PINNED" >/dev/null 2>&1 \
    || { log "trying: docker pull $PINNED (timeout ${PULL_TIMEOUT}s)"; \
         timeout --kill-after=10 "$PULL_TIMEOUT" docker pull -q "$PINNED" </dev/null >/dev/null 2>&1; }; then
    timeout 60 docker tag "$PINNED" "$IMAGE"
    add_arch_tag
    log "$PINNED is here (also tagged $IMAGE)"
    exit 0
  fi
  log "the pinned $PINNED cannot be pulled; the build will use the local stand-in $IMAGE"
fi

if [ "$REBUILD" != 1 ] && have_image; then
  add_arch_tag
  log "$IMAGE is present locally; nothing to do"
  exit 0
fi

if [ "$REBUILD" != 1 ]; then
  log "trying: docker pull $IMAGE (timeout ${PULL_TIMEOUT}s)"
  if timeout --kill-after=10 "$PULL_TIMEOUT" docker pull -q "$IMAGE" </dev/null >/dev/null 2>&1; then
    add_arch_tag
    log "pulled $IMAGE"
    exit 0
  fi
  log "pull failed; building a local stand-in instead"
fi

# ---- prerequisites of the stand-in build ---------------------------------
DEBOOTSTRAP="$(command -v debootstrap || true)"
[ -n "$DEBOOTSTRAP" ] || { [ -x /usr/sbin/debootstrap ] && DEBOOTSTRAP=/usr/sbin/debootstrap; } || true
if [ -z "$DEBOOTSTRAP" ] && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  log "installing debootstrap"
  timeout 600 apt-get update -qq </dev/null >/dev/null
  DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq debootstrap </dev/null >/dev/null
  DEBOOTSTRAP="$(command -v debootstrap || echo /usr/sbin/debootstrap)"
fi
[ -x "$DEBOOTSTRAP" ] || die "debootstrap is not installed (needed to build the stand-in image)"
[ -r "$CA_BUNDLE" ] || die "CA bundle $CA_BUNDLE not readable (set CA_BUNDLE)"

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
  else
    die "debootstrap needs root: run as root or with passwordless sudo"
  fi
fi

RIE="${LAMBDA_RIE:-}"
if [ -z "$RIE" ]; then
  samcli_dir="$(timeout 120 "$PYTHON" -c 'import samcli, os; print(os.path.dirname(samcli.__file__))' </dev/null)" \
    || die "cannot import samcli with PYTHON=$PYTHON (install aws-sam-cli there, or set LAMBDA_RIE)"
  RIE="$samcli_dir/local/rapid/$RIE_NAME"
fi
[ -f "$RIE" ] || die "Runtime Interface Emulator not found at $RIE"

# ---- one build at a time; re-check after waiting ---------------------------
mkdir -p "$CACHE_DIR"
exec 9>"$CACHE_DIR/.lock"
flock -w "$((DEBOOTSTRAP_TIMEOUT + BUILD_TIMEOUT))" 9 || die "timed out waiting for $CACHE_DIR/.lock"
if [ "$REBUILD" != 1 ] && have_image; then
  add_arch_tag
  log "$IMAGE was built meanwhile by another run; nothing to do"
  exit 0
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/lambda-base.XXXXXX")"
cleanup() {
  local m
  # debootstrap may leave /proc, /sys... mounted in the target when it is killed.
  { findmnt -rn -o TARGET 2>/dev/null || true; } | { grep -F "$WORK/" || true; } | sort -r |
    while read -r m; do "${SUDO[@]}" umount -l "$m" 2>/dev/null || true; done
  "${SUDO[@]}" rm -rf --one-file-system "$WORK" || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- Debian rootfs (cached) ----------------------------------------------
key="$(printf 'v1 %s %s minbase %s %s' "$SUITE" "$DEB_ARCH" "$INCLUDE" "${DEBIAN_MIRROR:-}" | sha256sum | cut -c1-12)"
ROOTFS_TAR="$CACHE_DIR/rootfs-$SUITE-$DEB_ARCH-$key.tar.gz"

if [ -s "$ROOTFS_TAR" ]; then
  log "using cached rootfs $ROOTFS_TAR"
else
  rootfs="$WORK/rootfs"
  args=(--variant=minbase --arch="$DEB_ARCH" --include="$INCLUDE" "$SUITE" "$rootfs")
  [ -z "${DEBIAN_MIRROR:-}" ] || args+=("$DEBIAN_MIRROR")
  log "debootstrap $SUITE/$DEB_ARCH minbase + $INCLUDE (about a minute)"
  if ! "${SUDO[@]}" timeout --kill-after=30 "$DEBOOTSTRAP_TIMEOUT" "$DEBOOTSTRAP" "${args[@]}" \
    </dev/null >"$WORK/debootstrap.log" 2>&1; then
    tail -n 30 "$WORK/debootstrap.log" >&2 || true
    "${SUDO[@]}" tail -n 30 "$rootfs/debootstrap/debootstrap.log" >&2 2>/dev/null || true
    die "debootstrap failed"
  fi
  # Slim it down and drop files that describe this machine (docker provides them).
  "${SUDO[@]}" sh -eu -c '
    cd "$1"
    rm -rf var/lib/apt/lists/* var/cache/apt/*.bin var/cache/apt/archives/*.deb \
      var/cache/apt/archives/partial/* var/cache/debconf/*-old var/lib/dpkg/*-old \
      var/log/apt/* var/log/*.log usr/share/man/* usr/share/info/* \
      etc/resolv.conf etc/hostname
    find usr/share/doc -mindepth 1 ! -type d ! -name copyright -delete
    find usr/share/doc -mindepth 1 -depth -type d -empty -delete
    printf "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n" > etc/hosts
  ' sh "$rootfs"
  log "packing rootfs into the cache"
  "${SUDO[@]}" tar -C "$rootfs" --numeric-owner -czf "$WORK/rootfs.tar.gz" \
    --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' \
    --exclude='./run/*' --exclude='./tmp/*' --exclude='./var/tmp/*' .
  "${SUDO[@]}" chown "$(id -u):$(id -g)" "$WORK/rootfs.tar.gz"
  "${SUDO[@]}" rm -rf --one-file-system "$rootfs"
  mv "$WORK/rootfs.tar.gz" "$ROOTFS_TAR.part.$$"
  mv "$ROOTFS_TAR.part.$$" "$ROOTFS_TAR"
  # keep only the current rootfs
  find "$CACHE_DIR" -maxdepth 1 -name 'rootfs-*.tar.gz*' ! -name "$(basename "$ROOTFS_TAR")" -delete
fi

# ---- docker build ----------------------------------------------------------
ctx="$WORK/context"
mkdir -p "$ctx"
ln "$ROOTFS_TAR" "$ctx/rootfs.tar.gz" 2>/dev/null || cp "$ROOTFS_TAR" "$ctx/rootfs.tar.gz"
install -m 0755 "$RIE" "$ctx/aws-lambda-rie"
install -m 0755 "$HERE/lambda-entrypoint.sh" "$ctx/lambda-entrypoint.sh"
install -m 0644 "$CA_BUNDLE" "$ctx/ca-bundle.crt"
install -m 0644 "$HERE/Dockerfile" "$ctx/Dockerfile"

build_args=(--build-arg "AWSLAMBDARIC_VERSION=$AWSLAMBDARIC_VERSION" -t "$IMAGE")
[ -z "${LAMBDA_BASE_BUILD_NETWORK:-}" ] || build_args+=(--network "$LAMBDA_BASE_BUILD_NETWORK")
log "docker build -t $IMAGE (awslambdaric $AWSLAMBDARIC_VERSION, RIE from $(basename "$RIE"))"
if ! timeout --kill-after=30 "$BUILD_TIMEOUT" docker build "${build_args[@]}" "$ctx" \
  </dev/null >"$WORK/build.log" 2>&1; then
  tail -n 40 "$WORK/build.log" >&2 || true
  die "docker build failed"
fi

version="$(timeout 120 docker run --rm --entrypoint python3 "$IMAGE" -c 'import sys; print(sys.version.split()[0])' </dev/null)" \
  || die "the built image does not run python3"
size="$(timeout 60 docker image inspect -f '{{.Size}}' "$IMAGE")"
add_arch_tag
log "built $IMAGE (local stand-in: Python $version, $((size / 1000000)) MB; also tagged $ARCH_TAG)"
