#!/usr/bin/env bash
# The daily backup of docs/backup.md, for the `backup` service of docker-compose.yml (or any host
# with the PostgreSQL client tools): every day at BACKUP_HOUR (local time, TZ), dump the database
# of DATABASE_URL with scripts/backup_check.sh into BACKUP_DIR (the check proves the dump restores,
# row count by row count), then keep only the BACKUP_KEEP newest dumps. A failed check keeps the
# dump (it may still be the best there is) and is reported on stderr; the loop goes on, --once
# exits 1.
#
#   DATABASE_URL=postgres://… BACKUP_DIR=/backups BACKUP_KEEP=14 BACKUP_HOUR=2 scripts/backup_daily.sh
#   scripts/backup_daily.sh --once      # one backup now, then prune (cron, or by hand)
#
# With BACKUP_GPG_RECIPIENT set, the dumps kept are encrypted to that key (see backup_check.sh).

set -euo pipefail
umask 077

here="$(cd "$(dirname "$0")" && pwd)"
backup_dir="${BACKUP_DIR:-/backups}"
keep="${BACKUP_KEEP:-14}"
hour="${BACKUP_HOUR:-2}"

if ! [[ "$keep" =~ ^[1-9][0-9]*$ ]]; then
  echo "BACKUP_KEEP doit être un nombre entier d'au moins 1 (reçu : « ${keep} »)." >&2
  exit 2
fi
if ! [[ "$hour" =~ ^([01]?[0-9]|2[0-3])$ ]]; then
  echo "BACKUP_HOUR doit être une heure de 0 à 23 (reçu : « ${hour} »)." >&2
  exit 2
fi
mkdir -p "$backup_dir"

backup_once() {
  local file="${backup_dir}/mediation-$(date +%Y%m%d-%H%M%S).dump"
  [[ -n "${BACKUP_GPG_RECIPIENT:-}" ]] && file="${file}.gpg"
  local status=0
  if "$here/backup_check.sh" "$file"; then
    echo "Sauvegarde vérifiée : ${file}"
  else
    status=1
    echo "ÉCHEC de la sauvegarde ou de son contrôle de restauration (${file}) : voir ci-dessus." >&2
  fi
  prune
  return "$status"
}

# Keep the BACKUP_KEEP newest dumps (their names sort by date).
prune() {
  local dumps=()
  mapfile -t dumps < <(find "$backup_dir" -maxdepth 1 -type f -name 'mediation-*.dump*' -printf '%f\n' | sort -r)
  local old
  for old in "${dumps[@]:keep}"; do
    rm -f -- "${backup_dir}/${old}"
    echo "Ancienne sauvegarde supprimée : ${old}"
  done
}

seconds_until_next_run() {
  local now next
  now=$(date +%s)
  next=$(date -d "today ${hour}:00" +%s)
  ((next <= now)) && next=$(date -d "tomorrow ${hour}:00" +%s)
  echo $((next - now))
}

if [[ "${1:-}" == "--once" ]]; then
  backup_once
  exit $?
fi

echo "Sauvegarde quotidienne à ${hour} h (${TZ:-heure du système}), ${keep} sauvegarde(s) gardée(s) dans ${backup_dir}."
while true; do
  sleep "$(seconds_until_next_run)"
  backup_once || true
done
