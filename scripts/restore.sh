#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into a FRESH database and an empty media folder.
# See docs/backups.md.
#
#   scripts/restore.sh FOLDER
#
# Environment: DATABASE_URL (postgres://…; the database must exist and be empty: create it with
# `createdb`), MEDIA_ROOT (default var/media; must be empty or missing).
# Refuses to restore over existing data: a restore never mixes two states.
set -euo pipefail
cd "$(dirname "$0")/.."

FOLDER="${1:?usage: scripts/restore.sh FOLDER (made by scripts/backup.sh)}"
: "${DATABASE_URL:?set DATABASE_URL to the fresh PostgreSQL database to restore into}"
MEDIA_ROOT="${MEDIA_ROOT:-var/media}"
url="postgresql://${DATABASE_URL#*://}"

(cd "$FOLDER" && sha256sum --check --quiet SHA256SUMS) || { echo "restore.sh: $FOLDER is damaged" >&2; exit 1; }

tables=$(psql "$url" --no-psqlrc --tuples-only --no-align --command \
    "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
if [ "$tables" != "0" ]; then
    echo "restore.sh: the database already has $tables tables; restore into a fresh one (createdb)" >&2
    exit 1
fi
if [ -d "$MEDIA_ROOT" ] && [ -n "$(ls -A "$MEDIA_ROOT")" ]; then
    echo "restore.sh: $MEDIA_ROOT is not empty; restore into an empty folder" >&2
    exit 1
fi

# One transaction: a restore that fails half-way leaves the database empty, not half-filled.
pg_restore --no-owner --no-privileges --single-transaction --exit-on-error --dbname="$url" "$FOLDER/database.dump"

mkdir -p "$MEDIA_ROOT"
tar -C "$MEDIA_ROOT" -xzf "$FOLDER/media.tar.gz"
echo "restored $FOLDER into the database and $MEDIA_ROOT"
