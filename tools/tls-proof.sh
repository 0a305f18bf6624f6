#!/usr/bin/env bash
# TLS proof without Docker: the project's own nginx template (nginx/templates/, the file
# docker-compose.yml mounts) rendered with loopback ports and a self-signed certificate for
# cryptomaltese.com, in front of the packaged gateway jar. Prints one line per check and, last,
# "N passed, N failed". Exit status 0 only when every check passed.
#
#   tools/tls-proof.sh            (from anywhere; installs Debian's nginx if missing and root)
#
# Everything it starts (nginx, the gateway) it stops on exit; it only binds 127.0.0.1 and uses
# a temporary directory it removes afterwards (kept when TLS_PROOF_KEEP=1).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

DOMAIN=cryptomaltese.com
HTTP_PORT=${TLS_PROOF_HTTP_PORT:-18080}
HTTPS_PORT=${TLS_PROOF_HTTPS_PORT:-18443}
GATEWAY_PORT=${TLS_PROOF_GATEWAY_PORT:-18088}
API_KEY=tls-proof-api-key
ADMIN_KEY=tls-proof-admin-key
TEMPLATE=$ROOT/nginx/templates/maltese.conf.template
JAR=$ROOT/target/maltese-gateway.jar

# --- tools --------------------------------------------------------------------------------
need_install=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need_install+=(nginx)
command -v openssl >/dev/null 2>&1 || need_install+=(openssl)
command -v envsubst >/dev/null 2>&1 || need_install+=(gettext-base)
command -v curl >/dev/null 2>&1 || need_install+=(curl)
if [ ${#need_install[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "missing: ${need_install[*]} (install them, or run as root)" >&2
        exit 2
    fi
    echo "installing ${need_install[*]} (Debian packages)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_install[@]}" >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
# Debian's nginx package starts a system nginx on port 80; this script never uses it.

if [ ! -f "$JAR" ]; then
    echo "building $JAR"
    ./mvnw -B -q package -DskipTests
fi

# --- scratch space and clean-up ----------------------------------------------------------
WORK=$(mktemp -d /tmp/maltese-tls-proof.XXXXXX)
GATEWAY_PID=""
NGINX_STARTED=""
cleanup() {
    local status=$?
    set +e
    if [ -n "$NGINX_STARTED" ] && [ -f "$WORK/nginx/nginx.pid" ]; then
        local npid
        npid=$(cat "$WORK/nginx/nginx.pid")
        kill -QUIT "$npid" 2>/dev/null
        for _ in $(seq 1 50); do kill -0 "$npid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$npid" 2>/dev/null
    fi
    if [ -n "$GATEWAY_PID" ]; then
        kill -TERM "$GATEWAY_PID" 2>/dev/null
        for _ in $(seq 1 100); do kill -0 "$GATEWAY_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$GATEWAY_PID" 2>/dev/null
        wait "$GATEWAY_PID" 2>/dev/null
    fi
    if [ "${TLS_PROOF_KEEP:-0}" = 1 ]; then
        echo "kept $WORK"
    else
        rm -rf "$WORK"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PASSED=0
FAILED=0
pass() { PASSED=$((PASSED + 1)); echo "ok   - $1"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL - $1${2:+ ($2)}"; }
check() { local name=$1; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }
has() { grep -Eq -- "$2" <<<"$1"; }                 # has TEXT REGEX
file_has() { grep -Eq -- "$2" "$1" 2>/dev/null; }   # file_has FILE REGEX
both() { eval "$1" && eval "$2"; }                   # both CMD CMD (for two-part checks)

# curl against nginx with the name resolved to loopback and the test certificate trusted.
CURL=(curl -sS --max-time 15 --cacert "$WORK/cert/fullchain.pem"
      --resolve "$DOMAIN:$HTTP_PORT:127.0.0.1" --resolve "$DOMAIN:$HTTPS_PORT:127.0.0.1")
BASE="https://$DOMAIN:$HTTPS_PORT"
# A failed transfer is a failed check, not the end of the script: -w still prints a code (000).
c() { "${CURL[@]}" "$@" || true; }

# --- certificate --------------------------------------------------------------------------
mkdir -p "$WORK/cert" "$WORK/acme/.well-known/acme-challenge" "$WORK/nginx/conf.d" "$WORK/nginx/tmp" \
         "$WORK/data"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$DOMAIN" \
    -addext "subjectAltName=DNS:$DOMAIN,DNS:www.$DOMAIN" \
    -keyout "$WORK/cert/privkey.pem" -out "$WORK/cert/fullchain.pem" 2>/dev/null
cp "$WORK/cert/fullchain.pem" "$WORK/cert/chain.pem"
printf tls-proof-token > "$WORK/acme/.well-known/acme-challenge/tls-proof-token"

# --- nginx configuration: the project's template, rendered with test values ---------------
export NGINX_HTTP_LISTEN="127.0.0.1:$HTTP_PORT"
export NGINX_HTTPS_LISTEN="127.0.0.1:$HTTPS_PORT"
export NGINX_CERT_DIR="$WORK/cert"
export NGINX_ACME_ROOT="$WORK/acme"
export NGINX_UPSTREAM="127.0.0.1:$GATEWAY_PORT"
export NGINX_RESOLVER="127.0.0.1"
placeholders=$(grep -o '\${NGINX_[A-Z_]*}' "$TEMPLATE" | sort -u | tr '\n' ' ')
for p in $placeholders; do
    name=${p#\$\{}; name=${name%\}}
    if [ -z "${!name:-}" ]; then echo "the template uses $p, which this script does not set" >&2; exit 2; fi
done
envsubst "$placeholders" < "$TEMPLATE" > "$WORK/nginx/conf.d/maltese.conf"
# The main file stands in for the image's /etc/nginx/nginx.conf: it includes conf.d/*.conf
# inside http {}, as the official image does, with paths under the scratch directory.
cat > "$WORK/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 256; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log $WORK/nginx/access.log;
    client_body_temp_path $WORK/nginx/tmp/body;
    proxy_temp_path $WORK/nginx/tmp/proxy;
    fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
    uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
    scgi_temp_path $WORK/nginx/tmp/scgi;
    include $WORK/nginx/conf.d/*.conf;
}
CONF
# nginx needs no privilege on ports above 1024: as root, run it as nobody.
NGINX_RUN=("$NGINX")
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null 2>&1; then
    chmod 755 "$WORK"
    chown -R nobody "$WORK/nginx" "$WORK/cert" "$WORK/acme"
    NGINX_RUN=(setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups "$NGINX")
fi
NGINX_ARGS=(-p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/error.log")

# --- the gateway ---------------------------------------------------------------------------
# The trained TinyStories-260K (../shared/models) in the data dir's Hub cache layout, for a streamed chat.
STORIES=$ROOT/../shared/models/stories260K/hf
if [ -d "$STORIES" ]; then
    snapshot="$WORK/data/models/models--karpathy--stories260K/snapshots/0123abcd"
    mkdir -p "$snapshot" "$WORK/data/models/models--karpathy--stories260K/refs"
    for f in "$STORIES"/*; do ln -s "$(cd "$(dirname "$f")" && pwd)/$(basename "$f")" "$snapshot/"; done
    printf 0123abcd >"$WORK/data/models/models--karpathy--stories260K/refs/main"
fi
# Only 127.0.0.1 is a trusted proxy here, so a request from 127.0.0.2 stands for any client
# that reaches the gateway without going through nginx.
SERVER_ADDRESS=127.0.0.1 SERVER_PORT=$GATEWAY_PORT GATEWAY_DATA_DIR="$WORK/data" \
GATEWAY_API_KEYS=$API_KEY GATEWAY_ADMIN_KEYS=$ADMIN_KEY GATEWAY_TRUSTED_PROXIES='127\.0\.0\.1' \
DJL_CACHE_DIR="$WORK/djl" \
    java -Dai.djl.offline=true -XX:TieredStopAtLevel=1 -jar "$JAR" >"$WORK/gateway.out" 2>&1 &
GATEWAY_PID=$!

# --- checks ------------------------------------------------------------------------------
if "${NGINX_RUN[@]}" -t -q "${NGINX_ARGS[@]}" 2>"$WORK/nginx-t.out"; then
    pass "nginx -t accepts the rendered nginx/templates/maltese.conf.template"
else
    fail "nginx -t accepts the rendered nginx/templates/maltese.conf.template" "$(grep -m1 emerg "$WORK/nginx-t.out")"
    echo "$PASSED passed, $FAILED failed"
    exit 1
fi
"${NGINX_RUN[@]}" "${NGINX_ARGS[@]}"
NGINX_STARTED=1

up=""
for _ in $(seq 1 120); do
    if ! kill -0 "$GATEWAY_PID" 2>/dev/null; then break; fi
    if curl -fsS --max-time 2 -o /dev/null "http://127.0.0.1:$GATEWAY_PORT/api/v1/health" 2>/dev/null; then up=1; break; fi
    sleep 1
done
if [ -z "$up" ]; then
    fail "gateway starts on 127.0.0.1:$GATEWAY_PORT" "$(tail -5 "$WORK/gateway.out")"
    echo "$PASSED passed, $FAILED failed"
    exit 1
fi
pass "gateway starts on 127.0.0.1:$GATEWAY_PORT"

# HTTP: ACME challenges served, everything else redirected.
out=$(c -o /dev/null -w '%{http_code} %{redirect_url}' "http://$DOMAIN:$HTTP_PORT/api/v1/health?x=1")
check "HTTP answers 301 to https://$DOMAIN/... ($out)" \
    test "$out" = "301 https://$DOMAIN/api/v1/health?x=1"
out=$(c -w ' %{http_code}' "http://$DOMAIN:$HTTP_PORT/.well-known/acme-challenge/tls-proof-token")
check "HTTP serves ACME challenges from the webroot ($out)" test "$out" = "tls-proof-token 200"

# HTTPS through the proxy.
out=$(c -D "$WORK/health.h" -o "$WORK/health.json" -w '%{http_code}' "$BASE/api/v1/health")
check "HTTPS /api/v1/health answers 200 through the proxy ($out)" \
    both '[ "$out" = 200 ]' 'file_has "$WORK/health.json" "\"status\""'

out=$(c -o /dev/null -w '%{http_code} %{redirect_url}' "$BASE/docs")
check "/docs redirects to the Swagger UI page over HTTPS ($out)" \
    has "$out" "^30[12] https://$DOMAIN(:$HTTPS_PORT)?/docs/index.html$"
out=$(c -o "$WORK/docs.html" -w '%{http_code}' "$BASE/docs/index.html")
check "/docs/index.html loads Swagger UI through the proxy ($out)" \
    both '[ "$out" = 200 ]' 'file_has "$WORK/docs.html" swagger-ui'
out=$(c -o /dev/null -w '%{http_code} %{content_type}' "$BASE/webjars/swagger-ui/swagger-ui-bundle.js")
check "Swagger UI's script loads through the proxy ($out)" test "${out%% *}" = 200

chat='{"message":"Hello from the TLS proof"}'
out=$(c -o "$WORK/chat.json" -w '%{http_code}' -H "X-API-Key: $API_KEY" \
    -H 'Content-Type: application/json' -d "$chat" "$BASE/api/v1/chat")
check "chat with a key reaches the gateway: $out $(head -c 80 "$WORK/chat.json")" \
    both '[ "$out" = 503 ]' 'file_has "$WORK/chat.json" "no model is loaded"'
out=$(c -o "$WORK/nokey.json" -w '%{http_code}' -H 'Content-Type: application/json' \
    -d "$chat" "$BASE/api/v1/chat")
check "chat without a key gets the gateway's 401 JSON: $out $(head -c 80 "$WORK/nokey.json")" \
    both '[ "$out" = 401 ]' 'file_has "$WORK/nokey.json" "\"status\":\"error\""'

# A streamed chat through the proxy (chunked text/event-stream, nginx told not to buffer it).
if [ -d "$STORIES" ]; then
    c -o /dev/null -X POST -H "X-API-Key: $API_KEY" "$BASE/api/v1/models/karpathy%2Fstories260K/load"
    stream='{"message":"Once upon a time","stream":true,"parameters":{"do_sample":false,"max_length":30,"repetition_penalty":1.0}}'
    out=$(c -N -o "$WORK/stream.txt" -w '%{http_code} %{content_type}' -H "X-API-Key: $API_KEY" \
        -H 'Content-Type: application/json' -d "$stream" "$BASE/api/v1/chat")
    tokens=$(grep -c '^event: token$' "$WORK/stream.txt" || true)
    check "a streamed chat comes through the proxy: $out, $tokens token events, then the whole reply" \
        both 'has "$out" "^200 text/event-stream" && [ "$tokens" -gt 1 ]' \
        'file_has "$WORK/stream.txt" "^data: \{\"response\":\", there was a little girl named Lily"'
    # The same through the OpenAI-compatible API, as OpenAI's clients send it (the key as a bearer token).
    openai='{"messages":[{"role":"user","content":"Once upon a time"}],"stream":true,"temperature":0,"max_tokens":30,"repetition_penalty":1.0}'
    out=$(c -N -o "$WORK/openai.txt" -w '%{http_code} %{content_type}' -H "Authorization: Bearer $API_KEY" \
        -H 'Content-Type: application/json' -d "$openai" "$BASE/api/v1/openai/chat/completions")
    chunks=$(grep -c '^data: {"id":"chatcmpl-' "$WORK/openai.txt" || true)
    check "an OpenAI stream comes through the proxy: $out, $chunks chunks, then [DONE]" \
        both 'has "$out" "^200 text/event-stream" && [ "$chunks" -gt 1 ]' 'file_has "$WORK/openai.txt" "^data: \[DONE\]$"'
else
    echo "note - no streamed chat checked: $STORIES is missing"
fi

# Security headers (on the health answer above).
header() { grep -i "^$1:" "$WORK/health.h" | head -1 | cut -d: -f2- | tr -d '\r' | sed 's/^ *//'; }
check "Strict-Transport-Security: $(header Strict-Transport-Security)" \
    has "$(header Strict-Transport-Security)" "^max-age=63072000; includeSubDomains$"
check "X-Content-Type-Options: $(header X-Content-Type-Options)" test "$(header X-Content-Type-Options)" = nosniff
check "X-Frame-Options: $(header X-Frame-Options)" test "$(header X-Frame-Options)" = DENY
check "Referrer-Policy: $(header Referrer-Policy)" test "$(header Referrer-Policy)" = no-referrer
check "Content-Security-Policy allows Swagger UI's own scripts, no framing" \
    both 'has "$(header Content-Security-Policy)" "script-src .self.;"' 'has "$(header Content-Security-Policy)" "frame-ancestors .none."'
check "Server header carries no version (server_tokens off): $(header Server)" test "$(header Server)" = nginx
check "X-Request-Id set by nginx: $(header X-Request-Id)" has "$(header X-Request-Id)" '^[0-9a-f]{32}$'

# TLS versions. Debian's OpenSSL 3 refuses TLS 1.1 on the client side at its default security
# level; "DEFAULT@SECLEVEL=0" lifts that, so the handshake that fails is refused by nginx
# (the server answers with a protocol_version alert).
tls() { timeout 15 openssl s_client -connect "127.0.0.1:$HTTPS_PORT" -servername "$DOMAIN" "$@" </dev/null 2>&1; }
if out=$(tls -tls1_1 -cipher 'DEFAULT@SECLEVEL=0'); then
    fail "TLS 1.1 refused" "handshake succeeded"
elif echo "$out" | grep -qi 'alert protocol version'; then
    pass "TLS 1.1 refused by nginx (protocol_version alert)"
else
    fail "TLS 1.1 refused by nginx" "no protocol_version alert: $(echo "$out" | grep -m1 -i error)"
fi
out=$(tls -tls1_2) || true
check "TLS 1.2 accepted ($(echo "$out" | grep -m1 -o 'Cipher is [A-Z0-9-]*'))" \
    has "$out" "New, TLSv1.2, Cipher is ECDHE-"
out=$(tls -tls1_3) || true
check "TLS 1.3 accepted ($(echo "$out" | grep -m1 -o 'Cipher is [A-Z0-9_-]*'))" \
    has "$out" "New, TLSv1.3, Cipher is TLS_"

# Body limit: 256 KB, as the gateway's gateway.limits.max-body-size.
head -c 300000 /dev/zero | tr '\0' 'a' | sed 's/^/{"message":"/; s/$/"}/' > "$WORK/big.json"
head -c 250000 /dev/zero | tr '\0' 'a' | sed 's/^/{"message":"/; s/$/"}/' > "$WORK/under.json"
out=$(c -o "$WORK/413.json" -w '%{http_code}' -H "X-API-Key: $API_KEY" \
    -H 'Content-Type: application/json' --data-binary "@$WORK/big.json" "$BASE/api/v1/chat")
check "a 300 KB body gets 413 from nginx: $out $(head -c 80 "$WORK/413.json")" \
    both '[ "$out" = 413 ]' 'file_has "$WORK/413.json" "too large"'
out=$(c -o "$WORK/under.out" -w '%{http_code}' -H "X-API-Key: $API_KEY" \
    -H 'Content-Type: application/json' --data-binary "@$WORK/under.json" "$BASE/api/v1/chat")
check "a 250 KB body passes nginx and the gateway judges it: $out $(head -c 70 "$WORK/under.out")" \
    both '[ "$out" = 400 ]' 'file_has "$WORK/under.out" "message"'

# Forwarded headers: the gateway logs the client address nginx saw, and trusts
# X-Forwarded-For only from the proxy (127.0.0.1 here).
ACCESS=$WORK/data/logs/access.log
logged() { # path -> client address of its access-log line (waits briefly for the line)
    for _ in $(seq 1 30); do
        line=$(grep " GET $1 " "$ACCESS" 2>/dev/null | tail -1 || true)
        if [ -n "$line" ]; then echo "$line" | awk '{print $2}'; return; fi
        sleep 0.2
    done
    echo none
}
"${CURL[@]}" -o /dev/null --interface 127.0.0.3 -H 'X-Forwarded-For: 198.51.100.7' "$BASE/api/v1/proof-via-nginx" || true
addr=$(logged /api/v1/proof-via-nginx)
check "access.log shows the client address nginx saw, not a forged header: $addr" test "$addr" = 127.0.0.3
curl -sS --max-time 10 -o /dev/null --interface 127.0.0.2 -H 'X-Forwarded-For: 203.0.113.9' \
    "http://127.0.0.1:$GATEWAY_PORT/api/v1/proof-direct" || true
addr=$(logged /api/v1/proof-direct)
check "X-Forwarded-For from a non-proxy address is ignored: $addr" test "$addr" = 127.0.0.2
curl -sS --max-time 10 -o /dev/null --interface 127.0.0.1 -H 'X-Forwarded-For: 192.0.2.44' \
    "http://127.0.0.1:$GATEWAY_PORT/api/v1/proof-trusted" || true
addr=$(logged /api/v1/proof-trusted)
check "X-Forwarded-For from the proxy address is honoured: $addr" test "$addr" = 192.0.2.44

# Rate limit on /api/: 60 requests on one connection from a fresh client address.
urls=()
for _ in $(seq 1 59); do urls+=(-o /dev/null "$BASE/api/v1/health"); done
urls+=(-D "$WORK/429.h" -o "$WORK/429.json" "$BASE/api/v1/health")   # the last one: kept
codes=$(c --interface 127.0.0.4 -w '%{http_code}\n' "${urls[@]}")
ok=$(echo "$codes" | grep -c '^200$' || true)
limited=$(echo "$codes" | grep -c '^429$' || true)
check "rate limit: 60 quick requests from one client get $ok x 200 then $limited x 429" \
    both '[ "$limited" -ge 1 ]' '[ "$ok" -ge 20 ]'
check "the last of them is a JSON 429 with the security headers: $(tail -1 <<<"$codes") $(head -c 60 "$WORK/429.json")" \
    both '[ "$(tail -1 <<<"$codes")" = 429 ] && file_has "$WORK/429.json" "too many requests"' \
         'file_has "$WORK/429.h" "^strict-transport-security: max-age" && file_has "$WORK/429.h" "^x-frame-options: DENY"'

# The same limit for a path with a path parameter, which the gateway routes like /api/v1/health.
urls=()
for _ in $(seq 1 60); do urls+=(-o /dev/null "$BASE/api;x/v1/health"); done
codes=$(c --interface 127.0.0.5 -w '%{http_code}\n' "${urls[@]}")
ok=$(echo "$codes" | grep -c '^200$' || true)
limited=$(echo "$codes" | grep -c '^429$' || true)
check "rate limit: /api;x/v1/health reaches the gateway ($ok x 200) and is limited too ($limited x 429)" \
    both '[ "$limited" -ge 1 ]' '[ "$ok" -ge 20 ]'

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
