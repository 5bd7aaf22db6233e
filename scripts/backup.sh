#!/usr/bin/env bash
# A backup of everything the school entrusted to us: the PostgreSQL database (pg_dump's custom format,
# compressed, restorable into a fresh database with scripts/restore.sh) and the private files under
# MEDIA_ROOT (photos, generated PDFs) as a tar. See docs/backups.md.
#
#   scripts/backup.sh [FOLDER]     # default: var/backups/<UTC date-time>
#
# Environment: DATABASE_URL (postgres://…; required), MEDIA_ROOT (default var/media).
# Writes FOLDER/database.dump, FOLDER/media.tar.gz and FOLDER/SHA256SUMS; prints FOLDER.
set -euo pipefail
cd "$(dirname "$0")/.."

: "${DATABASE_URL:?set DATABASE_URL to the PostgreSQL database to back up}"
case "$DATABASE_URL" in
    postgres://* | postgresql://* | pgsql://*) ;;
    *) echo "backup.sh: DATABASE_URL must be a PostgreSQL URL (a SQLite file is copied by hand)" >&2; exit 2 ;;
esac
MEDIA_ROOT="${MEDIA_ROOT:-var/media}"
FOLDER="${1:-var/backups/$(date -u +%Y%m%dT%H%M%SZ)}"
umask 077 # about minors: readable by the backup's owner only
mkdir -p "$FOLDER"

# psql and pg_dump want postgresql://; django-environ also accepts postgres:// and pgsql://.
url="postgresql://${DATABASE_URL#*://}"

# -Fc: compressed, and pg_restore can restore it into any fresh database; no owners or privileges,
# so the restore works under another role.
pg_dump --format=custom --no-owner --no-privileges --file="$FOLDER/database.dump" "$url"

if [ -d "$MEDIA_ROOT" ]; then
    tar -C "$MEDIA_ROOT" -czf "$FOLDER/media.tar.gz" .
else
    tar -czf "$FOLDER/media.tar.gz" --files-from /dev/null
fi

(cd "$FOLDER" && sha256sum database.dump media.tar.gz >SHA256SUMS)
echo "$FOLDER"
