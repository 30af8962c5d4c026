#!/usr/bin/env bash
# Brings up what the container tier needs on a fresh Debian bookworm machine (root), idempotently:
#  0. a blackhole route for the test ranges 198.18.0.0/15, so a probe to an unassigned test address
#     dies on this machine instead of following the default route out;
#  1. a Docker engine: if none answers `docker info`, starts `dockerd` in the background with its
#     bridge and address pools inside 198.19.0.0/16 (never in ranges the host may route elsewhere;
#     flags: docs.docker.com/reference/cli/dockerd/ `--bip`, `--default-address-pool base=,size=`),
#     logging to a file, and waits (bounded) until `docker info` answers;
#  2. a `debian:bookworm-slim` base when no such image exists (CI has no image registry): a minbase
#     debootstrap of bookworm from the Debian mirror apt uses on this machine, `docker import`ed
#     under that tag, so images/probe and images/postgres build offline from the same Dockerfiles
#     users build from Docker Hub's base.
# Environment (all optional): GAUNTLET_DOCKERD_LOG, GAUNTLET_DOCKERD_WAIT (seconds),
# GAUNTLET_DEBIAN_MIRROR, GAUNTLET_BASE_INCLUDE=auto|yes|no (see step 2).
set -euo pipefail

readonly base_tag='debian:bookworm-slim'
readonly log_file="${GAUNTLET_DOCKERD_LOG:-/var/log/gauntlet-dockerd.log}"
readonly wait_seconds="${GAUNTLET_DOCKERD_WAIT:-90}"
# What images/probe and images/postgres install on top of the base. When containers cannot reach
# the mirror, debootstrap installs them instead, and the Dockerfiles' install step finds nothing
# missing (keep in sync with images/probe/Dockerfile and images/postgres/Dockerfile).
readonly image_packages='nodejs,python3,iproute2,iptables,ca-certificates,postgresql'

cleanup_paths=()
trap 'rm -rf "${cleanup_paths[@]}"' EXIT

say() { echo "docker.sh: $*"; }
die() {
  echo "docker.sh: ERROR: $*" >&2
  exit 1
}

engine_answers() { timeout 15 docker info >/dev/null 2>&1; }

start_engine() {
  if engine_answers; then
    say "a Docker engine already answers; not starting one"
    return
  fi
  command -v dockerd >/dev/null || die "no dockerd on PATH (apt-get install docker.io)"
  if [[ -s /var/run/docker.pid ]] && kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
    say "dockerd (pid $(cat /var/run/docker.pid)) is starting; waiting for it"
  else
    mkdir -p "$(dirname "$log_file")"
    say "starting dockerd (log: $log_file)"
    # setsid: the engine must outlive this script and the job that ran it. dockerd starts its own
    # containerd when none is given (--containerd), so nothing else needs to run first.
    setsid dockerd \
      --bip 198.19.0.1/24 \
      --default-address-pool base=198.19.0.0/16,size=24 \
      >>"$log_file" 2>&1 </dev/null &
  fi
  local deadline=$((SECONDS + wait_seconds))
  until engine_answers; do
    if ((SECONDS >= deadline)); then
      echo "---- last lines of $log_file ----" >&2
      tail -n 30 "$log_file" >&2 || true
      die "dockerd did not answer \`docker info\` within ${wait_seconds}s (see $log_file)"
    fi
    sleep 1
  done
  say "engine up: $(docker version --format 'server {{.Server.Version}}, API {{.Server.APIVersion}}')"
}

# The first Debian archive URI apt is configured with (one-line .list or deb822 .sources files),
# skipping the security archive; Debian's own redirector when none is found.
debian_mirror() {
  if [[ -n "${GAUNTLET_DEBIAN_MIRROR:-}" ]]; then
    echo "$GAUNTLET_DEBIAN_MIRROR"
    return
  fi
  local files=() uri
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [[ -f "$f" ]] && files+=("$f")
  done
  if ((${#files[@]} > 0)); then
    uri="$(
      {
        sed -nE 's/^[[:space:]]*deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([a-z+]+:\/\/[^[:space:]]+)[[:space:]].*/\2/p' "${files[@]}"
        sed -nE 's/^URIs:[[:space:]]*//p' "${files[@]}" | tr ' ' '\n'
      } | grep -E '^https?://[^[:space:]]+/debian/?$' | head -n 1 || true
    )"
    if [[ -n "$uri" ]]; then
      echo "${uri%/}"
      return
    fi
  fi
  echo 'http://deb.debian.org/debian'
}

# What Docker Hub's slim variant leaves out (debuerreotype/debuerreotype scripts/.slimify-excludes):
# docs except copyright notices, man and info pages, locales. A dpkg.cfg.d file keeps later
# installs (the images' `apt-get install`) slim as well, as the Hub's base does.
slimify() {
  local root="$1" pattern
  local excludes=('/usr/share/doc/*' '/usr/share/groff/*' '/usr/share/info/*' '/usr/share/linda/*'
    '/usr/share/lintian/overrides/*' '/usr/share/locale/*' '/usr/share/man/*')
  {
    echo '# gauntlet (scripts/ci/docker.sh): a slim base, like the Docker Hub debian:*-slim images.'
    for pattern in "${excludes[@]}"; do echo "path-exclude $pattern"; done
    echo 'path-include /usr/share/doc/*/copyright'
  } >"$root/etc/dpkg/dpkg.cfg.d/docker"
  for pattern in "${excludes[@]}"; do
    find "$root${pattern%/\*}" -mindepth 1 -depth -not -path "$root/usr/share/doc/*/copyright" \
      \( -type f -o -type l \) -delete 2>/dev/null || true
    find "$root${pattern%/\*}" -mindepth 1 -depth -type d -empty -delete 2>/dev/null || true
  done
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
    "$root"/var/log/*.log
}

# debootstrap minbase into a temporary root, trimmed like Docker Hub's slim images (no docs, man
# pages, apt lists or caches), and imported under $1.
bootstrap_image() {
  local tag="$1" include="$2" mirror="$3" root
  root="$(mktemp -d /var/tmp/gauntlet-rootfs.XXXXXX)"
  cleanup_paths+=("$root")
  say "debootstrap --variant=minbase bookworm from $mirror${include:+ (with $include)}"
  local started=$SECONDS
  if ! debootstrap --variant=minbase ${include:+--include="$include"} bookworm "$root" "$mirror" \
    >"$root.log" 2>&1; then
    tail -n 20 "$root.log" >&2
    die "debootstrap failed (full log: $root.log)"
  fi
  rm -f "$root.log"
  slimify "$root"
  tar --numeric-owner -C "$root" -c . | docker import \
    --change 'CMD ["bash"]' --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    - "$tag" >/dev/null
  say "imported $tag in $((SECONDS - started))s ($(docker image inspect --format '{{.Size}}' "$tag") bytes)"
}

# Can a container on the default bridge fetch the mirror's package index, as `docker build`'s
# RUN steps would? Bounded; any failure (DNS, route, firewall) counts as no.
containers_reach_mirror() {
  local image="$1"
  timeout 120 docker run --rm --label gauntlet.test=1 "$image" \
    bash -c "apt-get -q -o Acquire::Retries=0 -o Acquire::http::Timeout=20 update 2>&1 | tail -n 3; \
             test -n \"\$(ls /var/lib/apt/lists/ | grep -F _dists_bookworm_ | grep -v -e Release -e lock)\"" \
    >/dev/null 2>&1
}

ensure_base_image() {
  if docker image inspect "$base_tag" >/dev/null 2>&1; then
    say "$base_tag already present; not building one"
    return
  fi
  command -v debootstrap >/dev/null || die "no debootstrap on PATH (apt-get install debootstrap)"
  local mirror include_mode="${GAUNTLET_BASE_INCLUDE:-auto}"
  mirror="$(debian_mirror)"
  case "$include_mode" in
    yes) bootstrap_image "$base_tag" "$image_packages" "$mirror" ;;
    no) bootstrap_image "$base_tag" '' "$mirror" ;;
    auto)
      # A plain base first (what Docker Hub ships); keep it when `docker build` can install
      # packages from the mirror, otherwise bootstrap again with the images' packages included.
      local probe_tag='gauntlet-bootstrap-probe:bookworm'
      bootstrap_image "$probe_tag" '' "$mirror"
      if containers_reach_mirror "$probe_tag"; then
        say "containers reach $mirror: the base stays plain, images install their packages at build time"
        docker tag "$probe_tag" "$base_tag"
      else
        say "containers cannot reach $mirror: including the images' packages in the base"
        bootstrap_image "$base_tag" "$image_packages" "$mirror"
      fi
      docker image rm "$probe_tag" >/dev/null
      ;;
    *) die "GAUNTLET_BASE_INCLUDE must be auto, yes or no (got \"$include_mode\")" ;;
  esac
}

# Test traffic must never leave the machine. The test ranges 198.18.0.0/15 hold the lab's namespaces
# (198.18/16) and Docker's networks (198.19/16); an address there that nothing owns would otherwise
# follow the host's default route off the machine. A blackhole route for the whole /15 drops such a
# packet locally, while the more specific routes (each Docker network's connected /24, the lab's
# links inside their own namespaces) still win by longest-prefix match
# (ip-route(8): type blackhole, "these destinations are unreachable. Packets are discarded silently").
blackhole_test_ranges() {
  local range='198.18.0.0/15'
  if ip route show type blackhole "$range" 2>/dev/null | grep -q .; then
    say "blackhole route for $range already present"
    return
  fi
  ip route add blackhole "$range" || die "could not add a blackhole route for $range (needs root and iproute2)"
  say "blackhole route for $range added: probes to unassigned test addresses die on this machine"
}

blackhole_test_ranges
start_engine
ensure_base_image
