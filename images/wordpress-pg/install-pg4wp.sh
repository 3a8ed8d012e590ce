#!/bin/sh
# Installs PG4WP into a WordPress tree: verifies the pinned archive's SHA-256 (the build fails on a mismatch or on
# an unfilled pin), then installs wp-content/pg4wp/ and wp-content/db.php.
# Usage: install-pg4wp <wordpress-dir>
# Env:   PG4WP_COMMIT (40 hex), PG4WP_SHA256 (64 hex) - build args of the Dockerfile;
#        PG4WP_ARCHIVE (optional) - an already downloaded archive (offline mirror, tests) instead of GitHub.
set -eu

wordpress_dir=${1:?usage: install-pg4wp <wordpress-dir>}
commit=${PG4WP_COMMIT:-}
sha256=${PG4WP_SHA256:-}
docs="see docs/wordpress-on-postgresql.md, 'Pinning PG4WP'"

is_hex() {
    case $1 in
        '' | *[!0-9a-f]*) return 1 ;;
        *) [ "${#1}" -eq "$2" ] ;;
    esac
}

if ! is_hex "$commit" 40; then
    echo "install-pg4wp: PG4WP_COMMIT='$commit' is not a 40-character commit id; $docs" >&2
    exit 2
fi
if ! is_hex "$sha256" 64; then
    echo "install-pg4wp: PG4WP_SHA256='$sha256' is not a SHA-256 (64 hex characters); $docs" >&2
    exit 2
fi
if [ ! -d "$wordpress_dir/wp-content" ]; then
    echo "install-pg4wp: $wordpress_dir is not a WordPress tree (no wp-content/)" >&2
    exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

archive=${PG4WP_ARCHIVE:-}
if [ -z "$archive" ]; then
    archive="$work/pg4wp.tar.gz"
    curl -fsSL --proto '=https' --tlsv1.2 --retry 3 -o "$archive" \
        "https://github.com/PostgreSQL-For-Wordpress/postgresql-for-wordpress/archive/$commit.tar.gz"
fi

if ! echo "$sha256  $archive" | sha256sum -c - > /dev/null 2>&1; then
    echo "install-pg4wp: SHA-256 mismatch for PG4WP $commit: expected $sha256, got $(sha256sum "$archive" | cut -d' ' -f1)" >&2
    exit 1
fi

mkdir "$work/src"
tar -xzf "$archive" -C "$work/src" --strip-components=1
if [ ! -f "$work/src/pg4wp/db.php" ]; then
    echo "install-pg4wp: the archive has no pg4wp/db.php; is $commit a PG4WP 3.x commit?" >&2
    exit 1
fi
# wp-config.php moves PG4WP's log to /tmp (the root filesystem is read-only); that needs a PG4WP that honours a
# PG4WP_LOG defined before it loads.
if ! grep -rqF "defined('PG4WP_LOG')" "$work/src/pg4wp"; then
    echo "install-pg4wp: this PG4WP does not honour a predefined PG4WP_LOG; pin a 3.x commit that does" >&2
    exit 1
fi

rm -rf "$wordpress_dir/wp-content/pg4wp"
cp -R "$work/src/pg4wp" "$wordpress_dir/wp-content/pg4wp"
cp "$work/src/pg4wp/db.php" "$wordpress_dir/wp-content/db.php"
echo "install-pg4wp: installed PG4WP $commit into $wordpress_dir/wp-content"
