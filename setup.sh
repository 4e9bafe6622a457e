#!/usr/bin/env bash
# Writes a .env for Symposium by asking a few questions (or, with --quick,
# taking the defaults). Settings it does not ask about keep the defaults
# documented in .env.example.
set -euo pipefail

usage() {
	cat <<'USAGE'
Usage: ./setup.sh [--quick] [--force] [--output FILE]

Asks for the main settings and writes them to .env (or FILE).
  --quick        take every default without asking (local development:
                 PROVISIONING_MODE=disabled, local data directory)
  --force        overwrite an existing file (it is kept as FILE.bak)
  --output FILE  write FILE instead of ./.env
  -h, --help     show this help
USAGE
}

umask 077 # the file may hold a key and database passwords
quick=false
force=false
out=".env"
while [ $# -gt 0 ]; do
	case "$1" in
	-h | --help) usage; exit 0 ;;
	--quick) quick=true ;;
	--force) force=true ;;
	--output) out="${2:?--output needs a value}"; shift ;;
	*) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
	esac
	shift
done

if [ -e "$out" ]; then
	if ! $force; then
		echo "$out exists; rerun with --force to replace it (the old one is kept as $out.bak)" >&2
		exit 1
	fi
	cp "$out" "$out.bak"
fi

# ask "question" default: prints the answer, or the default. The prompt
# goes to stderr so $(ask ...) captures only the answer.
ask() {
	local answer=""
	if ! $quick; then
		read -r -p "$1 [$2]: " answer || true
	fi
	printf '%s' "${answer:-$2}"
}

port="$(ask "HTTP port" "8000")"
log_level="$(ask "Log level (debug, info, warn, error)" "info")"
mode="$(ask "Provisioning mode (disabled, manual, auto)" "disabled")"
case "$port" in '' | *[!0-9]*) echo "port must be a number, not $port" >&2; exit 1 ;; esac
case "$mode" in auto | manual | disabled) ;; *) echo "mode must be auto, manual or disabled, not $mode" >&2; exit 1 ;; esac
project="" region="us-central1" key="" cost_limit="100"
if [ "$mode" != "disabled" ]; then
	project="$(ask "GCP project ID" "")"
	region="$(ask "GCP region" "us-central1")"
	key_file="$(ask "Service account key file (empty: Application Default Credentials)" "")"
	if [ -n "$key_file" ]; then
		key="$(base64 -w0 "$key_file")"
	fi
	cost_limit="$(ask "Monthly cost limit in USD" "100")"
fi
data_dir="$(ask "Data directory (local storage)" "./data")"
database_url="$(ask "DATABASE_URL (empty: none, or provisioned)" "")"
redis_url="$(ask "REDIS_URL (empty: none, or provisioned)" "")"

cat >"$out" <<ENV
# Written by setup.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ). Every setting: .env.example
PORT=$port
LOG_LEVEL=$log_level
PROVISIONING_MODE=$mode
GCP_PROJECT_ID=$project
GCP_REGION=$region
GCP_SERVICE_ACCOUNT_KEY=$key
COST_LIMIT=$cost_limit
DATA_DIR=$data_dir
DATABASE_URL=$database_url
REDIS_URL=$redis_url
ENV
echo "wrote $out"
cat <<NEXT

Next:
  make run                 # build and serve (installs what is missing on Debian, as root)
  open http://localhost:$port/
Every other setting, with its default: .env.example
NEXT
