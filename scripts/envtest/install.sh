#!/usr/bin/env bash
# Install the binaries kubeloop/envtest needs, on Debian 12 (bookworm):
#   etcd            3.4.x, taken out of Debian's etcd-server package (not installed as a service)
#   kube-apiserver  1.20.2, built from Debian's "kubernetes" source package
# into a cache folder that startTestCluster() finds on its own:
#   ${KUBELOOP_ENVTEST_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kubeloop/envtest}/bin/{etcd,kube-apiserver}
#
# A second run finds both binaries and their stamp and returns in about a second. A rebuild
# (--force, or a new recipe) reuses the Go build cache in <dir>/build/gocache.
#
# Usage: bash scripts/envtest/install.sh [--force] [--print-dir]
#   --force      rebuild even if the binaries are there
#   --print-dir  print the binaries folder (for KUBEBUILDER_ASSETS) and exit
# Env:   KUBELOOP_ENVTEST_DIR   the cache folder (default above)
#
# Root (or sudo) is needed only to apt-get install build tools that are missing:
# golang-1.19-go, dpkg-dev and Debian's newer reflect2/json-iterator sources. Nothing else on
# the system changes: the source package and etcd's .deb are fetched with a private apt
# configuration (deb-src entries derived from the system's Debian sources) under <dir>/build/apt.
#
# What the build has to fix (Debian's source package alone does not build a working server):
#  1. pkg/generated/openapi/zz_generated.openapi.go is not in the source tarball. It is generated
#     with the vendored openapi-gen over every package tagged +k8s:openapi-gen (the rule of
#     Makefile.generated_files); the API-rule report is compared with api/api-rules.
#  2. The vendored modern-go/reflect2 1.0.1 and json-iterator/go 1.1.10 crash at run time when
#     built with Go >= 1.18; Debian's golang-github-modern-go-reflect2-dev (1.0.2) and
#     golang-github-json-iterator-go-dev (1.1.12) sources replace them.
#  3. Without a git checkout, hack/lib/version.sh cannot stamp the version: -ldflags -X sets
#     gitVersion v1.20.2, the upstream commit and a build date taken from debian/changelog, so
#     /version reports v1.20.2.
# It builds in GOPATH mode (GO111MODULE=off), as Kubernetes 1.20 did.
set -euo pipefail

RECIPE=1 # bump when the build changes, so cached binaries are rebuilt
WANT_VERSION=v1.20.2
GO_PKG=golang-1.19-go

force=0
print_dir=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    --print-dir) print_dir=1 ;;
    -h | --help)
      sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "install.sh: unknown argument $arg (try --help)" >&2
      exit 2
      ;;
  esac
done

if [ -n "${KUBELOOP_ENVTEST_DIR:-}" ]; then
  DIR="$KUBELOOP_ENVTEST_DIR"
elif [ -n "${XDG_CACHE_HOME:-}" ]; then
  DIR="$XDG_CACHE_HOME/kubeloop/envtest"
else
  DIR="${HOME:?HOME is not set}/.cache/kubeloop/envtest"
fi
BIN="$DIR/bin"
BUILD="$DIR/build"
STAMP="$BIN/envtest-stamp"

if [ "$print_dir" = 1 ]; then
  echo "$BIN"
  exit 0
fi

say() { echo "[envtest-install $(date +%H:%M:%S)] $*"; }
die() {
  echo "[envtest-install] ERROR: $*" >&2
  exit 1
}

mkdir -p "$BIN" "$BUILD"
# One installer at a time per folder.
exec 9>"$DIR/.install.lock"
if command -v flock > /dev/null; then flock 9; fi

stamp_text() {
  printf 'recipe=%s\nkube-apiserver=%s\netcd=%s\n' "$RECIPE" "$("$BIN/kube-apiserver" --version 2> /dev/null | awk '{print $2}')" "$("$BIN/etcd" --version 2> /dev/null | awk 'NR==1{print $3}')"
}

# ------------------------------------------------------------------ 0. already there?
if [ "$force" = 0 ] && [ -x "$BIN/etcd" ] && [ -x "$BIN/kube-apiserver" ] && [ ! -L "$BIN/etcd" ] &&
  [ ! -L "$BIN/kube-apiserver" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(stamp_text)" ] &&
  grep -qx "kube-apiserver=$WANT_VERSION" "$STAMP"; then
  say "up to date: $BIN ($(tr '\n' ' ' < "$STAMP"))"
  exit 0
fi

# ------------------------------------------------------------------ 1. platform and tools
. /etc/os-release 2> /dev/null || true
if [ "${ID:-}" != debian ] || [ "${VERSION_CODENAME:-}" != bookworm ]; then
  die "this installer needs Debian 12 (bookworm); found ${PRETTY_NAME:-an unknown system}.
Elsewhere, get etcd and kube-apiserver with controller-runtime's setup-envtest
(go install sigs.k8s.io/controller-runtime/tools/setup-envtest@latest && setup-envtest use -p path)
and point KUBEBUILDER_ASSETS at the folder it prints."
fi
[ "$(dpkg --print-architecture)" = amd64 ] || say "warning: only amd64 has been tried"

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
need=()
for pkg in "$GO_PKG" dpkg-dev golang-github-modern-go-reflect2-dev golang-github-json-iterator-go-dev ca-certificates; do
  dpkg-query -W -f='${Status}' "$pkg" 2> /dev/null | grep -q 'install ok installed' || need+=("$pkg")
done
if [ "${#need[@]}" -gt 0 ]; then
  if [ -n "$SUDO" ] && ! command -v sudo > /dev/null; then
    die "missing packages ${need[*]}; install them as root: apt-get install ${need[*]}"
  fi
  say "apt-get install ${need[*]}"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" > /dev/null
fi
GO=/usr/lib/go-1.19/bin/go
[ -x "$GO" ] || die "$GO not found after installing $GO_PKG"

# ------------------------------------------------------------------ 2. private apt state
# deb + deb-src for the system's Debian archives only (third-party repositories often have no
# source index), kept under $BUILD/apt so the system's apt configuration is left alone.
APT="$BUILD/apt"
rm -rf "$APT/sources.list.d"
mkdir -p "$APT/sources.list.d" "$APT/lists/partial" "$APT/cache/archives/partial"
: > "$APT/sources.list"
is_debian_uri() { [[ "$1" =~ /debian(-security)?/?$ ]]; }
for f in /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] || continue
  # deb822: keep stanzas whose URIs are all Debian archives; list both index types.
  awk -v out="$APT/sources.list.d/$(basename "$f")" '
    function flush() {
      if (stanza != "" && keep) print stanza "\n" > out
      stanza = ""; keep = 1
    }
    BEGIN { keep = 1 }
    /^[[:space:]]*$/ { flush(); next }
    /^Types:/ { stanza = stanza (stanza == "" ? "" : "\n") "Types: deb deb-src"; next }
    /^URIs:/ {
      n = split($0, uris, /[[:space:]]+/)
      for (i = 2; i <= n; i++) if (uris[i] != "" && uris[i] !~ /\/debian(-security)?\/?$/) keep = 0
    }
    { stanza = stanza (stanza == "" ? "" : "\n") $0 }
    END { flush() }
  ' "$f"
done
if [ -f /etc/apt/sources.list ]; then
  while read -r kind rest; do
    [ "$kind" = deb ] || continue
    uri="$(echo "$rest" | sed -E 's/^\[[^]]*\][[:space:]]*//' | awk '{print $1}')"
    is_debian_uri "$uri" || continue
    printf 'deb %s\ndeb-src %s\n' "$rest" "$rest" >> "$APT/sources.list"
  done < /etc/apt/sources.list
fi
grep -rqs . "$APT/sources.list" "$APT/sources.list.d" || die "no Debian archive found in the apt sources"
apt_private=(
  -o "Dir::Etc::SourceList=$APT/sources.list"
  -o "Dir::Etc::SourceParts=$APT/sources.list.d"
  -o "Dir::State::Lists=$APT/lists"
  -o "Dir::Cache=$APT/cache"
  -o "APT::Sandbox::User=$(id -un)"
)
say "apt-get update (private lists in $APT)"
apt-get "${apt_private[@]}" update -qq

# ------------------------------------------------------------------ 3. etcd from its .deb
say "etcd: downloading etcd-server and unpacking the binary"
rm -rf "$BUILD/etcd-deb"
mkdir -p "$BUILD/etcd-deb"
(cd "$BUILD/etcd-deb" && apt-get "${apt_private[@]}" download -qq etcd-server)
dpkg-deb -x "$BUILD"/etcd-deb/etcd-server_*.deb "$BUILD/etcd-deb/tree"
install -m 0755 "$BUILD/etcd-deb/tree/usr/bin/etcd" "$BIN/etcd.new"
mv -f "$BIN/etcd.new" "$BIN/etcd"
say "etcd: $("$BIN/etcd" --version | head -1)"

# ------------------------------------------------------------------ 4. kubernetes source
SRC_PARENT="$BUILD/src"
mkdir -p "$SRC_PARENT"
src_version="$(apt-cache "${apt_private[@]}" showsrc kubernetes | awk '/^Version:/{print $2; exit}')"
[ -n "$src_version" ] || die "no kubernetes source package in the Debian archives"
case "$src_version" in
  *1.20.2*) ;;
  *) say "warning: source package version $src_version is not 1.20.2" ;;
esac
SRC="$SRC_PARENT/kubernetes-$src_version"
if [ ! -f "$SRC/.envtest-unpacked" ]; then
  say "fetching and unpacking the kubernetes source package $src_version"
  rm -rf "$SRC" "$SRC_PARENT"/kubernetes_* "$SRC_PARENT"/kubernetes-*
  (cd "$SRC_PARENT" && apt-get "${apt_private[@]}" source -qq --download-only "kubernetes=$src_version")
  dpkg-source --no-check -x "$SRC_PARENT"/kubernetes_*.dsc "$SRC" > /dev/null
  touch "$SRC/.envtest-unpacked"
fi

export GOPATH="$BUILD/gopath"
export GO111MODULE=off CGO_ENABLED=0 GOFLAGS="" GOTOOLCHAIN=local
export GOCACHE="$BUILD/gocache"
mkdir -p "$GOPATH/src/k8s.io"
ln -sfn "$SRC" "$GOPATH/src/k8s.io/kubernetes"
cd "$GOPATH/src/k8s.io/kubernetes" # through the link: the go tool sees the import path

# ------------------------------------------------------------------ 5. fix 2: reflect2, json-iterator
for p in github.com/modern-go/reflect2 github.com/json-iterator/go; do
  if [ ! -f "vendor/$p/.envtest-replaced" ]; then
    say "vendor/$p: replaced by Debian's /usr/share/gocode/src/$p"
    rm -rf "vendor/$p"
    mkdir -p "vendor/$p"
    cp -a "/usr/share/gocode/src/$p/." "vendor/$p/"
    find "vendor/$p" -name '*_test.go' -delete
    touch "vendor/$p/.envtest-replaced"
  fi
done

# ------------------------------------------------------------------ 6. fix 1: generated OpenAPI
OPENAPI=pkg/generated/openapi/zz_generated.openapi.go
if [ ! -s "$OPENAPI" ]; then
  say "openapi-gen: building the vendored generator"
  "$GO" build -o "$BUILD/openapi-gen" ./vendor/k8s.io/kube-openapi/cmd/openapi-gen
  # Packages whose Go files carry a "// +k8s:" tag line and an openapi-gen tag; staging/src is
  # seen through vendor/, as the go tool sees it.
  pkgs="$(
    find -H . \( -path ./vendor -o -path ./debian -o -path './_*' -o -path './.*' \) -prune -o \
      -type f -name '*.go' -print |
      { xargs grep -l '^// *+k8s:' || true; } |
      { xargs grep -l '+k8s:openapi-gen=' || true; } |
      sed -e 's|^\./staging/src/|vendor/|' -e 's|^\./||' |
      grep -v -e '^vendor/k8s.io/code-generator/' -e '^vendor/k8s.io/sample-apiserver/' |
      xargs -n1 dirname | LC_ALL=C sort -u | sed 's|^|k8s.io/kubernetes/|' | paste -sd, -
  )"
  say "openapi-gen: $(echo "$pkgs" | tr ',' '\n' | wc -l) packages"
  "$BUILD/openapi-gen" \
    --input-dirs "$pkgs" \
    --output-package k8s.io/kubernetes/pkg/generated/openapi \
    --output-file-base zz_generated.openapi \
    --go-header-file vendor/k8s.io/code-generator/hack/boilerplate.go.txt \
    --report-filename "$BUILD/openapi-violations.report"
  [ -s "$OPENAPI" ] || die "openapi-gen wrote no $OPENAPI"
  if ! diff -q <(LC_ALL=C sort "$BUILD/openapi-violations.report") \
    <(LC_ALL=C sort api/api-rules/violation_exceptions.list) > /dev/null; then
    say "warning: the API-rule report differs from api/api-rules/violation_exceptions.list"
  fi
fi

# ------------------------------------------------------------------ 7. fix 3: version, then build
upstream="${src_version#*really}"
upstream="${upstream%%-*}" # 1.20.2
major="${upstream%%.*}"
minor="$(echo "$upstream" | cut -d. -f2)"
commit="$(sed -nE 's/^[[:space:]]*gitCommit[[:space:]]*=[[:space:]]*"([0-9a-f]{40})".*/\1/p' \
  staging/src/k8s.io/component-base/version/base.go | head -1)"
build_date="$(date -u -d "@$(dpkg-parsechangelog -l debian/changelog -S Timestamp)" +%Y-%m-%dT%H:%M:%SZ)"
ldflags="-s -w"
for pkg in k8s.io/kubernetes/vendor/k8s.io/component-base/version k8s.io/kubernetes/vendor/k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=v$upstream -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
  ldflags+=" -X $pkg.gitTreeState=archive -X $pkg.buildDate=$build_date"
  [ -z "$commit" ] || ldflags+=" -X $pkg.gitCommit=$commit"
done
say "go build ./cmd/kube-apiserver (v$upstream; a few minutes on 2 cores the first time)"
t0=$(date +%s)
"$GO" build -ldflags "$ldflags" -o "$BIN/kube-apiserver.new" ./cmd/kube-apiserver
mv -f "$BIN/kube-apiserver.new" "$BIN/kube-apiserver"
say "kube-apiserver: $("$BIN/kube-apiserver" --version) (built in $(($(date +%s) - t0))s)"

stamp_text > "$STAMP"
grep -qx "kube-apiserver=$WANT_VERSION" "$STAMP" ||
  say "warning: kube-apiserver reports $(sed -n 's/^kube-apiserver=//p' "$STAMP"), not $WANT_VERSION"
say "done: $BIN (startTestCluster finds it; or KUBEBUILDER_ASSETS=$BIN)"
