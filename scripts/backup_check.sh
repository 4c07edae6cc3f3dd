#!/usr/bin/env bash
# Prove that a backup restores: dump the database of DATABASE_URL (pg_dump, custom format),
# restore it into a fresh temporary database (pg_restore), then compare the exact row count
# (COUNT(*)) of every table of both. The sessions and the cache table (session data, login and
# referral counters) are dumped without their rows: they come back empty, schema intact, and
# must be kept in no backup. Prints one line per table; exits 1 on any difference,
# 2 on a usage error. The temporary database (and the dump, unless a path is given) is removed
# at the end, whatever happens. See docs/backup.md.
#
#   DATABASE_URL=postgres://user@host:5432/mediation scripts/backup_check.sh [dump-file]
#
# With a dump-file argument the dump is written there and kept (the check then doubles as the
# nightly backup). With BACKUP_GPG_RECIPIENT set too (a public key of the keyring of the account
# running the script, its private key kept off the server), the file kept is the dump encrypted to
# that key: the plain dump exists only in the temporary directory, removed at the end.
# Needs pg_dump, pg_restore and psql of the server's major version or newer, and a role allowed to
# create databases. Files are created readable by their owner only.

set -euo pipefail
umask 077

if [[ -z "${DATABASE_URL:-}" ]]; then
  echo "DATABASE_URL n'est pas défini (postgres://utilisateur@hôte:port/base)." >&2
  exit 2
fi
case "$DATABASE_URL" in
  postgres://* | postgresql://*) ;;
  *)
    echo "DATABASE_URL doit désigner une base PostgreSQL (postgres://…)." >&2
    exit 2
    ;;
esac

# postgres://user:password@host:port/name?options -> prefix, name, options
url_without_options="${DATABASE_URL%%\?*}"
options=""
if [[ "$DATABASE_URL" == *\?* ]]; then
  options="?${DATABASE_URL#*\?}"
fi
source_db="${url_without_options##*/}"
url_prefix="${url_without_options%/*}"
if [[ -z "$source_db" || "$source_db" == "$url_without_options" ]]; then
  echo "DATABASE_URL ne nomme pas de base." >&2
  exit 2
fi

kept_file="${1:-}"
encrypt_to="${BACKUP_GPG_RECIPIENT:-}"
if [[ -n "$encrypt_to" && -z "$kept_file" ]]; then
  echo "BACKUP_GPG_RECIPIENT chiffre la sauvegarde gardée : donnez le fichier où l'écrire." >&2
  exit 2
fi

# Tables whose schema is dumped but not their rows (pg_dump --exclude-table-data).
EMPTIED_TABLES=(django_session cache_table partners_referralratebucket)
exclude_options=()
for table in "${EMPTIED_TABLES[@]}"; do
  exclude_options+=("--exclude-table-data=public.${table}")
done

is_emptied() {
  local table
  for table in "${EMPTIED_TABLES[@]}"; do
    [[ "$1" == "$table" ]] && return 0
  done
  return 1
}

restore_db="${source_db}_backup_check_$(date +%Y%m%d%H%M%S)_$$"
restore_url="${url_prefix}/${restore_db}${options}"
work_dir="$(mktemp -d)"
if [[ -n "$encrypt_to" || -z "$kept_file" ]]; then
  dump_file="$work_dir/${source_db}.dump"
else
  dump_file="$kept_file"
fi

cleanup() {
  local status=$?
  psql "$DATABASE_URL" --quiet --no-psqlrc --set ON_ERROR_STOP=1 \
    --command "DROP DATABASE IF EXISTS \"${restore_db}\" WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work_dir"
  exit "$status"
}
trap cleanup EXIT INT TERM

psql_value() {
  psql "$1" --quiet --no-psqlrc --tuples-only --no-align --set ON_ERROR_STOP=1 --command "$2"
}

# Exact row count of every table of the public schema, as "table|count" lines, in one query.
COUNT_SQL="
SELECT table_name || '|' || (xpath('/row/n/text()',
         query_to_xml(format('SELECT count(*) AS n FROM %I.%I', table_schema, table_name), false, true, '')
       ))[1]::text
FROM information_schema.tables
WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
ORDER BY table_name"

echo "Sauvegarde de « ${source_db} » (pg_dump, format custom, sans les lignes de ${EMPTIED_TABLES[*]})…"
started=$SECONDS
pg_dump --format=custom --no-owner --no-privileges "${exclude_options[@]}" --file "$dump_file" "$DATABASE_URL"
echo "  $(du -h "$dump_file" | cut -f1) en $((SECONDS - started)) s : ${dump_file}"
if [[ -n "$encrypt_to" ]]; then
  # Encrypted before the check, so that the backup is kept even if the counts then differ.
  gpg --batch --yes --quiet --trust-model always --encrypt --recipient "$encrypt_to" \
    --output "$kept_file" "$dump_file"
  echo "  chiffrée pour « ${encrypt_to} » : ${kept_file}"
fi

echo "Restauration dans la base temporaire « ${restore_db} » (pg_restore)…"
started=$SECONDS
psql "$DATABASE_URL" --quiet --no-psqlrc --set ON_ERROR_STOP=1 \
  --command "CREATE DATABASE \"${restore_db}\" TEMPLATE template0" >/dev/null
pg_restore --no-owner --no-privileges --exit-on-error --dbname "$restore_url" "$dump_file"
echo "  restaurée en $((SECONDS - started)) s"

declare -A source_counts restored_counts
while IFS='|' read -r table count; do
  [[ -n "$table" ]] && source_counts["$table"]="$count"
done < <(psql_value "$DATABASE_URL" "$COUNT_SQL")
while IFS='|' read -r table count; do
  [[ -n "$table" ]] && restored_counts["$table"]="$count"
done < <(psql_value "$restore_url" "$COUNT_SQL")

mapfile -t tables < <(printf '%s\n' "${!source_counts[@]}" "${!restored_counts[@]}" | sort -u)
width=5
for table in "${tables[@]}"; do
  ((${#table} > width)) && width=${#table}
done

echo
# (printf pads by bytes: the accented headers get one more column)
printf "%-${width}s  %12s  %13s  %s\n" "Table" "Source" "Restaurée" "État"
printf "%-${width}s  %12s  %12s  %s\n" "$(printf '%*s' "$width" '' | tr ' ' '-')" "------------" "------------" "----"
mismatches=0
total=0
for table in "${tables[@]}"; do
  source="${source_counts[$table]:-absente}"
  restored="${restored_counts[$table]:-absente}"
  if is_emptied "$table" && [[ "$source" != "absente" ]]; then
    if [[ "$restored" == "0" ]]; then
      state="ok (lignes non sauvegardées)"
    else
      state="DIFFÉRENT (aurait dû revenir vide)"
      mismatches=$((mismatches + 1))
    fi
  elif [[ "$source" == "$restored" ]]; then
    state="ok"
    total=$((total + source))
  else
    state="DIFFÉRENT"
    mismatches=$((mismatches + 1))
  fi
  printf "%-${width}s  %12s  %12s  %s\n" "$table" "$source" "$restored" "$state"
done
echo

if ((mismatches > 0)); then
  echo "ÉCHEC : ${mismatches} table(s) sur ${#tables[@]} diffèrent entre la base et sa restauration." >&2
  exit 1
fi
echo "OK : ${#tables[@]} tables, ${total} lignes, identiques après restauration" \
  "(${EMPTIED_TABLES[*]} restaurées vides, comme prévu)."
