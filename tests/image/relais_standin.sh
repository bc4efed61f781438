#!/bin/bash
# A stand-in for the `relais` command that implements only the contract first
# boot, backups and updates rely on (status --json, init, keys unlock, users add/list,
# keys recovery-kit, backup, restore, --help). It lets tests/image exercise the
# image's scripts before the real command exists; tests prefer the real one.
# Every call is appended to $RELAIS_STANDIN_LOG.
set -euo pipefail

config="${RELAIS_CONFIG:?RELAIS_CONFIG is not set}"
setting() { sed -n "s/^$1 = \"\\(.*\\)\"$/\\1/p" "${config}"; }
data="${RELAIS_DATA_DIR:-$(setting data_dir)}"
runtime="$(setting runtime_dir)"
[[ -n "${RELAIS_STANDIN_LOG:-}" ]] && echo "$*" >>"${RELAIS_STANDIN_LOG}"

fail() {
	echo "Error: $*" >&2
	exit 1
}

# RELAIS_STANDIN_FAIL="users add" makes that command fail once (a crash mid-way).
if [[ -n "${RELAIS_STANDIN_FAIL:-}" && "${1:-} ${2:-}" == "${RELAIS_STANDIN_FAIL}" ]]; then
	fail "injected failure of ${RELAIS_STANDIN_FAIL}"
fi

case "${1:-} ${2:-}" in
"--help "*)
	echo "Usage: relais [OPTIONS] COMMAND [ARGS]..."
	;;
"status --json")
	if [[ -e "${data}/initialised" ]]; then
		echo '{"initialised": true}'
	else
		echo '{"initialised": false}'
	fi
	;;
"init "*)
	[[ -e "${data}/initialised" ]] && fail "the data directory ${data} is already initialised"
	shift
	provider="" key_file="$(setting key_file)"
	while (($#)); do
		case "$1" in
		--key-provider) provider="$2"; shift 2 ;;
		--passphrase-stdin) read -r _; shift ;;
		--home-name | --finess) shift 2 ;;
		*) fail "unexpected argument $1" ;;
		esac
	done
	if [[ "${provider}" == file ]]; then
		[[ -e "${key_file}" ]] || head -c 32 /dev/urandom >"${key_file}"
	fi
	mkdir -p "${data}"
	echo "${provider}" >"${data}/initialised"
	;;
"keys unlock")
	read -r _
	mkdir -p "${runtime}"
	echo unlocked >"${runtime}/kek"
	;;
"users list")
	printf '['
	sep=""
	while read -r login; do
		printf '%s{"login": "%s"}' "${sep}" "${login}"
		sep=", "
	done < <(cat "${data}/users" 2>/dev/null || true)
	echo ']'
	;;
"users add")
	login="$3"
	read -r _
	grep -qx "${login}" "${data}/users" 2>/dev/null && fail "user ${login} exists"
	echo "${login}" >>"${data}/users"
	;;
"keys recovery-kit")
	[[ "$3" == --out ]] || fail "--out is required"
	echo "<html><body>recovery kit</body></html>" >"$4"
	;;
"backup --to")
	[[ -e "${data}/initialised" ]] || fail "not initialised"
	tar -C "${data}" -cf "$3" .
	;;
"restore --from")
	[[ -e "${data}/initialised" ]] && fail "refusing to restore over an initialised data directory"
	mkdir -p "${data}"
	tar -C "${data}" -xf "$3"
	[[ -e "${data}/initialised" ]] || fail "the backup holds no data directory"
	;;
*)
	fail "the stand-in does not implement: $*"
	;;
esac
