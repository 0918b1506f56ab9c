#!/usr/bin/env bash
# An independent client: node-hl7-client (npm, package.json devDependencies) sends ADT, ORU and
# MDM messages over MLLP and parses Folio's ACKs (tests/integration/mllp/client_test.mjs).
# Skipped (77) when node or node_modules/node-hl7-client is missing (npm ci installs it).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mllp/serve.sh"
SRC="${FOLIO_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
command -v node >/dev/null || { echo "SKIP: node is not installed"; exit 77; }
[ -d "$SRC/node_modules/node-hl7-client" ] || { echo "SKIP: node_modules/node-hl7-client missing (npm ci)"; exit 77; }

fresh_db
folio init >/dev/null 2>&1 || { echo "init failed"; exit 1; }
start_mllp
trap 'stop_mllp; t_cleanup' EXIT
# the test file must sit beside node_modules' parent for ESM resolution
cp "$(dirname "$0")/mllp/client_test.mjs" "$SRC/node_modules/.folio_mllp_client_test.mjs"
if timeout 60 node "$SRC/node_modules/.folio_mllp_client_test.mjs" "$MLLP"; then ok "node-hl7-client exchange"; else bad "node-hl7-client exchange"; fi
rm -f "$SRC/node_modules/.folio_mllp_client_test.mjs"
check "messages logged" 5 "$(sql "SELECT COUNT(*) FROM hl7_messages")"
check "the result reached the chart" 1 "$(sql "SELECT COUNT(*) FROM observation WHERE value_text = '104'")"
stop_mllp
done_testing
