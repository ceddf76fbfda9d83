#!/usr/bin/env bash
# Side-by-side mutual-TLS proxy benchmark on loopback, runnable from a clone of Gatehouse alone:
# Gatehouse, nginx, HAProxy and Caddy get the same PKI (ECDSA P-256), the same backend (one nginx
# worker answering "hello"), the same load tool (wrk, given a client certificate through
# mtls_preload.so) and the same settings (TLS 1.2+1.3, verify client certificates, forward the
# certificate in a header; session resumption only in `resume`, and never by accident elsewhere: the
# shim makes the client forget its last session). See bench/README.md.
#
# Figures per gateway, each from the server's own CPU accounting in /proc (steady on a noisy machine):
#   storm      measured first, right after the gateway started (nothing compiled, nothing cached): every
#              connection is a device never seen (a list of its own): the reconnect storm after a restart
#   new        one request per new TLS connection, always the same client certificate (a returning client):
#              full mTLS handshakes per second, server CPU ms per 1000
#   fleet      the same, but every connection presents a different certificate (20,000 devices signed by
#              an intermediate CA; the client sends leaf + intermediate): no verdict can be reused
#   keepalive  requests on 64 persistent connections: requests per second, server CPU ms per 1000, p99 ms
#   h2keepalive  the same over HTTP/2 (h2load, ALPN h2: 16 connections, 10 streams each): requests per
#              second, server CPU ms per 1000, p99 ms (mean and max printed too); the backend stays HTTP/1.1
#   h2target   Gatehouse only: h2keepalive to a second listener whose target group has protocol_version:
#              http2 (the backend's second server speaks HTTP/2 in clear): HTTP/2 end to end
#   idle       resident memory added per idle mTLS connection (KiB), 2000 connections held open
#   resume     the gateway restarted with session resumption on (tickets or a session cache), the client
#              offering its last session: CPU ms per 1000 resumed connections (checked with openssl
#              s_client -sess_out/-sess_in first; not measured if a second connection does not resume)
# Then a table of ratios to the best peer in the same run (the project's targets: storm <= 1.5,
# new <= 0.6, fleet <= 1.0, resume <= 0.8, keep-alive CPU <= 0.9, keep-alive p99 <= 1.5, idle <= 0.5;
# HTTP/2 keep-alive has no target: its ratios are printed without a verdict).
#
# Usage: bench/side_by_side.sh [SECONDS] [GATEWAYS...]   gateways: gatehouse nginx haproxy caddy (default: all four)
#   and the relay floors, keep-alive only, never peers: floor-raw floor-bytes floor-codec (RelayFloor in the
#   bench jar, built if missing: what an mTLS relay on Netty and BoringSSL costs at the least with no HTTP,
#   with a byte-level scan of each head adding Gatehouse's headers, and with Netty's HTTP/1.1 codecs adding
#   them; bench/README.md "Keep-alive floors")
# Environment: PORT_BASE (default 28443: nginx +0, haproxy +1, gatehouse +2, caddy +3, Gatehouse's h2target listener +4,
#              floors +5..+7, backends +557 and +558),
#              FLEET (default 20000 device certificates for fleet, as many more for storm),
#              GATEHOUSE_JAVA_OPTS (passed to bin/gatehouse),
#              MODES (default "storm new fleet keepalive h2keepalive idle resume"; h2target only when
#              named, as it gives Gatehouse a second listener: MODES="h2keepalive h2target" measures those),
#              ROUNDS (default 1: keep-alive is measured once per gateway, in its turn; more: after the
#              other modes, all the gateways run at once and keep-alive is measured in ROUNDS interleaved
#              rounds, each gateway once per round, and the table gives medians: on a machine whose speed
#              drifts from minute to minute, the comparison then no longer depends on which gateway had
#              the slow minute),
#              IDENTITY (default "one": each peer forwards the leaf in one header, as most deployments of
#              them do; "full": the peers forward what Gatehouse forwards, the five X-Amzn-Mtls-Clientcert-*
#              headers and X-Forwarded-For/-Proto/-Port, so the backend parses the same amount per request.
#              Gatehouse's configuration is the same in both).
# Needs: nginx, haproxy, caddy, wrk, h2load, curl, openssl, gcc, libssl-dev, python3 with the cryptography package:
#   apt-get install -y nginx-light haproxy caddy wrk nghttp2-client curl gcc libssl-dev python3 python3-cryptography
#
# Two choices to know when comparing runs: ports are configurable (so two runs or a
# running gateway do not collide), and the fleet's certificates carry the authority and subject key
# identifiers that RFC 5280 4.2.1.1/4.2.1.2 require of a conforming CA (Gatehouse rejects a non-self-
# signed certificate without an authority key identifier, as x509-limbo's rfc5280::aki cases expect).
set -u
D=10; if [[ ${1:-} =~ ^[0-9]+$ ]]; then D=$1; shift; fi
GWS=${*:-gatehouse nginx haproxy caddy}
MODES=" ${MODES:-storm new fleet keepalive h2keepalive idle resume} "
IDENTITY=${IDENTITY:-one}
ROUNDS=${ROUNDS:-1}
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || { echo "ROUNDS must be a positive number, not '$ROUNDS'"; exit 2; }
case $IDENTITY in one|full) ;; *) echo "IDENTITY must be one or full, not '$IDENTITY'"; exit 2 ;; esac
want() { [[ $MODES == *" $1 "* ]]; }
HERE=$(cd "$(dirname "$0")" && pwd)
GATEHOUSE_HOME=${GATEHOUSE_HOME:-$(dirname "$HERE")}
PB=${PORT_BASE:-28443}
P_NGINX=$PB P_HAPROXY=$((PB + 1)) P_GATEHOUSE=$((PB + 2)) P_CADDY=$((PB + 3)) P_BACKEND=$((PB + 557))
P_GATEHOUSE_H2T=$((PB + 4)) P_BACKEND_H2=$((PB + 558))   # h2target: Gatehouse's second listener, the backend's HTTP/2 server
P_FLOOR_RAW=$((PB + 5)) P_FLOOR_BYTES=$((PB + 6)) P_FLOOR_CODEC=$((PB + 7))
W=$(mktemp -d /tmp/gh-bench.XXXX); cd "$W" || exit 2
SHIM=$W/mtls_preload.so
gcc -shared -fPIC -O2 -o "$SHIM" "$HERE/mtls_preload.c" -ldl -lssl -lcrypto || { echo "cannot build the preload shim (apt-get install gcc libssl-dev)"; exit 2; }

# --- PKI: ECDSA P-256 root -> server certificate, client certificate
openssl ecparam -name prime256v1 -genkey -noout -out ca.key
openssl req -x509 -new -key ca.key -sha256 -days 30 -subj "/CN=Bench Root CA" -out ca.pem 2>/dev/null
issue() { openssl ecparam -name prime256v1 -genkey -noout -out "$1.key"
  openssl req -new -key "$1.key" -subj "/CN=$1" -out "$1.csr"; printf '%s\n' "$2" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 -sha256 -extfile "$1.ext" -out "$1.pem" 2>/dev/null; }
issue server $'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth'
issue client $'subjectAltName=URI:spiffe://bench.local/client\nextendedKeyUsage=clientAuth'
cat server.pem server.key > server-combined.pem
# the fleet: an intermediate CA under the root, and FLEET device certificates under it
FLEET=${FLEET:-20000}   # more than a 10 s run can use up here: a wrapped fleet would reuse verdicts
WARM_DEVICES=5000       # more devices, only for the warm-up (never measured)
want storm || want fleet || FLEET=0 WARM_DEVICES=0   # no mode uses the fleet: empty lists
python3 - "$W" "$FLEET" "$WARM_DEVICES" <<'PY' || { echo "cannot make the fleet (python3 with cryptography needed)"; exit 2; }
import datetime as dt, os, sys
from cryptography import x509
from cryptography.x509.oid import NameOID, ExtendedKeyUsageOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
w, n, warm = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]); os.makedirs(f"{w}/fleet", exist_ok=True)
now = dt.datetime.now(dt.timezone.utc); pem = serialization.Encoding.PEM
root = x509.load_pem_x509_certificate(open(f"{w}/ca.pem", "rb").read())
rk = serialization.load_pem_private_key(open(f"{w}/ca.key", "rb").read(), None)
def name(cn): return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
def build(subject, key, issuer, ikey, ca):
    b = (x509.CertificateBuilder().subject_name(name(subject)).issuer_name(issuer.subject if issuer else name(subject))
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ikey.public_key()), critical=False))
    if not ca: b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    return b.sign(ikey, hashes.SHA256())
ik = ec.generate_private_key(ec.SECP256R1()); inter = build("Bench Fleet CA", ik, root, rk, True)
ipem = inter.public_bytes(pem)
lists = [open(f"{w}/{l}.list", "w") for l in ("fleet", "storm", "fleet-warm")]
for i in range(2 * n + warm):
    k = ec.generate_private_key(ec.SECP256R1()); c = build(f"device-{i}", k, inter, ik, False)
    open(f"{w}/fleet/{i}.pem", "wb").write(c.public_bytes(pem) + ipem)
    open(f"{w}/fleet/{i}.key", "wb").write(k.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    lists[0 if i < n else 1 if i < 2 * n else 2].write(f"{w}/fleet/{i}.pem {w}/fleet/{i}.key\n")
for l in lists: l.close()
PY
mkdir -p tmp logs
TEMPS="client_body_temp_path $W/tmp; proxy_temp_path $W/tmp; fastcgi_temp_path $W/tmp; uwsgi_temp_path $W/tmp; scgi_temp_path $W/tmp;"

cat > backend.conf <<EOF
worker_processes 1; pid $W/backend.pid; error_log $W/backend.err; daemon on;
events { worker_connections 8192; }
http { access_log off; $TEMPS keepalive_requests 1000000;
  server { listen 127.0.0.1:$P_BACKEND; location / { return 200 "hello\n"; }
    location = /identity { return 200 "\$request_length \$http_x_amzn_mtls_clientcert_subject\n"; } }
  server { listen 127.0.0.1:$P_BACKEND_H2 http2; location / { return 200 "hello\n"; } } }
EOF
# write_configs RESUME: the four gateways' configurations; RESUME=1 turns session resumption on
write_configs() {
  local ngx_sess="ssl_session_tickets off; ssl_session_cache off;" hap_opt="no-tls-tickets" gh="" gh_h2t="" gh_tg=""
  # the identity the peers forward (IDENTITY): the leaf in one header, or Gatehouse's whole set. HAProxy and
  # Caddy have no URL-encoded PEM: they send base64 DER inside the same armour (no line breaks, 39 bytes
  # fewer than Gatehouse's leaf header); Caddy has no validity placeholder and adds X-Forwarded-* itself.
  local ngx_id='proxy_set_header X-Amzn-Mtls-Clientcert $ssl_client_escaped_cert;'
  local hap_id='  http-request set-header X-Amzn-Mtls-Clientcert %[ssl_c_der,base64]'
  local caddy_id='    header_up X-Amzn-Mtls-Clientcert {http.request.tls.client.certificate_der_base64}'
  if [ "$IDENTITY" = full ]; then
    ngx_id='proxy_set_header X-Amzn-Mtls-Clientcert-Serial-Number $ssl_client_serial;
      proxy_set_header X-Amzn-Mtls-Clientcert-Issuer $ssl_client_i_dn;
      proxy_set_header X-Amzn-Mtls-Clientcert-Subject $ssl_client_s_dn;
      proxy_set_header X-Amzn-Mtls-Clientcert-Validity "NotBefore=$ssl_client_v_start;NotAfter=$ssl_client_v_end";
      proxy_set_header X-Amzn-Mtls-Clientcert-Leaf $ssl_client_escaped_cert;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto https; proxy_set_header X-Forwarded-Port $server_port;'
    hap_id='  http-request set-header X-Amzn-Mtls-Clientcert-Serial-Number %[ssl_c_serial,hex]
  http-request set-header X-Amzn-Mtls-Clientcert-Issuer %[ssl_c_i_dn]
  http-request set-header X-Amzn-Mtls-Clientcert-Subject %[ssl_c_s_dn]
  http-request set-header X-Amzn-Mtls-Clientcert-Validity NotBefore=%[ssl_c_notbefore]\;NotAfter=%[ssl_c_notafter]
  http-request set-header X-Amzn-Mtls-Clientcert-Leaf -----BEGIN%%20CERTIFICATE-----%%0A%[ssl_c_der,base64]%%0A-----END%%20CERTIFICATE-----%%0A
  option forwardfor
  http-request set-header X-Forwarded-Proto https
  http-request set-header X-Forwarded-Port %[dst_port]'
    caddy_id='    header_up X-Amzn-Mtls-Clientcert-Serial-Number {http.request.tls.client.serial}
    header_up X-Amzn-Mtls-Clientcert-Issuer {http.request.tls.client.issuer}
    header_up X-Amzn-Mtls-Clientcert-Subject {http.request.tls.client.subject}
    header_up X-Amzn-Mtls-Clientcert-Leaf -----BEGIN%20CERTIFICATE-----%0A{http.request.tls.client.certificate_der_base64}%0A-----END%20CERTIFICATE-----%0A
    header_up X-Forwarded-Port {http.request.port}'
  fi
  if [ "$1" = 1 ]; then
    ngx_sess="ssl_session_tickets on; ssl_session_cache shared:bench:10m;" hap_opt=""
    gh="      session_resumption: { enabled: true }"
  fi
  if [ "$1" = 0 ] && want h2target; then   # only then: the other modes' Gatehouse has one listener, as before
    gh_h2t="  - name: bench-h2-target
    address: 127.0.0.1:$P_GATEHOUSE_H2T
    protocol: https
    tls:
      certificates: [{ certificate: $W/server.pem, private_key: $W/server.key }]
      policy: tls12-and-13
    mutual_authentication: { mode: verify, trust_store: bench }
    default_action: { forward: backend-h2 }"
    gh_tg="  backend-h2: { protocol: http, protocol_version: http2, targets: [\"127.0.0.1:$P_BACKEND_H2\"] }"
  fi
cat > nginx.conf <<EOF
worker_processes 2; pid $W/nginx.pid; error_log $W/nginx.err; daemon on;
events { worker_connections 8192; }
http { access_log off; $TEMPS keepalive_requests 1000000;
  upstream backend { server 127.0.0.1:$P_BACKEND; keepalive 256; }
  server { listen 127.0.0.1:$P_NGINX ssl http2; ssl_protocols TLSv1.2 TLSv1.3;
    ssl_certificate $W/server.pem; ssl_certificate_key $W/server.key;
    ssl_client_certificate $W/ca.pem; ssl_verify_client on; $ngx_sess
    location / { proxy_http_version 1.1; proxy_set_header Connection "";
      $ngx_id proxy_pass http://backend; } } }
EOF
cat > haproxy.cfg <<EOF
global
  nbthread 2
  ssl-default-bind-options ssl-min-ver TLSv1.2 $hap_opt
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
frontend fe
  bind 127.0.0.1:$P_HAPROXY ssl crt $W/server-combined.pem alpn h2,http/1.1 ca-file $W/ca.pem verify required
$hap_id
  default_backend be
backend be
  http-reuse always
  server b1 127.0.0.1:$P_BACKEND
EOF
cat > Caddyfile <<EOF
{
  admin off
  auto_https disable_redirects
  skip_install_trust
  storage file_system $W/caddy
}
https://localhost:$P_CADDY {
  bind 127.0.0.1
  tls $W/server.pem $W/server.key {
    protocols tls1.2 tls1.3
    client_auth {
      mode require_and_verify
      trusted_ca_cert_file $W/ca.pem
    }
  }
  reverse_proxy 127.0.0.1:$P_BACKEND {
$caddy_id
  }
}
EOF
cat > gatehouse.yaml <<EOF
listeners:
  - name: bench
    address: 127.0.0.1:$P_GATEHOUSE
    protocol: https
    tls:
      certificates: [{ certificate: $W/server.pem, private_key: $W/server.key }]
      policy: tls12-and-13
$gh
    mutual_authentication: { mode: verify, trust_store: bench }
    default_action: { forward: backend }
$gh_h2t
trust_stores:
  bench: { ca_certificates: $W/ca.pem }
target_groups:
  backend: { protocol: http, targets: ["127.0.0.1:$P_BACKEND"] }
$gh_tg
logs: { connection: $W/logs/connection.log }
EOF
}

port_of() { case $1 in nginx) echo $P_NGINX;; haproxy) echo $P_HAPROXY;; gatehouse) echo $P_GATEHOUSE;; caddy) echo $P_CADDY;;
  floor-raw) echo $P_FLOOR_RAW;; floor-bytes) echo $P_FLOOR_BYTES;; floor-codec) echo $P_FLOOR_CODEC;; esac; }
floor() { [[ $1 == floor-* ]]; }
pids_of() { case $1 in
  nginx) pgrep -P "$(cat "$W/nginx.pid")" ;;
  haproxy) cat "$W/haproxy.pid" ;;
  caddy|floor-*) cat "$W/$1.pid" ;;
  gatehouse) pgrep -s "$(cat "$W/gatehouse.pid")" ;; esac; }
cpu_ticks() { local t=0 p; for p in $(pids_of "$1"); do [ -r /proc/$p/stat ] && t=$((t + $(awk '{print $14+$15}' /proc/$p/stat))); done; echo $t; }
rss_kib() { local t=0 p; for p in $(pids_of "$1"); do [ -r /proc/$p/status ] && t=$((t + $(awk '/VmRSS/{print $2}' /proc/$p/status))); done; echo $t; }
start() { case $1 in
  nginx) nginx -c "$W/nginx.conf" ;;
  haproxy) haproxy -D -p "$W/haproxy.pid" -f "$W/haproxy.cfg" ;;
  # in a session of its own, as the daemons (nginx, HAProxy) and Gatehouse are: the kernel shares the CPU
  # between sessions first (autogroups), so a gateway left in the script's session would share wrk's
  caddy) HOME=$W XDG_DATA_HOME=$W XDG_CONFIG_HOME=$W setsid caddy run --config "$W/Caddyfile" --adapter caddyfile > "$W/caddy.out" 2>&1 &
         echo $! > "$W/caddy.pid" ;;
  gatehouse) (cd "$GATEHOUSE_HOME" && exec setsid bin/gatehouse serve --config "$W/gatehouse.yaml") > "$W/gatehouse.out" 2>&1 &
             echo $! > "$W/gatehouse.pid" ;;
  floor-*) # with bin/gatehouse's JVM options (the same JIT settings and leak detection off)
    local jit="-XX:CompileThresholdScaling=0.3"; [ "$(nproc)" -lt 4 ] && jit="$jit -XX:CICompilerCount=3"
    setsid java -Dio.netty.leakDetection.level=disabled $jit ${GATEHOUSE_JAVA_OPTS:-} -cp "$BENCH_JAR" dev.gatehouse.bench.RelayFloor "${1#floor-}" \
      "$(port_of "$1")" "$P_BACKEND" "$W/server.pem" "$W/server.key" "$W/ca.pem" > "$W/$1.out" 2>&1 &
    echo $! > "$W/$1.pid" ;;
  esac
  # up to 90 s: `gatehouse serve` warms itself up (at most 40 s by default) before its listeners bind
  for _ in $(seq 1 180); do (exec 3<>/dev/tcp/127.0.0.1/"$(port_of "$1")") 2>/dev/null && return 0; sleep 0.5; done
  echo "$1 did not start listening on $(port_of "$1")"; case $1 in gatehouse|floor-*) tail -20 "$W/$1.out" ;; esac; return 1; }
stop() { case $1 in nginx) kill "$(cat "$W/nginx.pid")" ;; haproxy) kill "$(cat "$W/haproxy.pid")" ;; caddy|floor-*) kill "$(cat "$W/$1.pid")" ;;
  gatehouse) kill -- "-$(cat "$W/gatehouse.pid")" ;; esac; sleep 1; }
run_wrk() { # port mode(close|keep|fleet|fleetwarm|storm|resume) connections seconds -> "requests non2xx p99_ms errors"
  local hdr=() id=(MTLS_CERT="$W/client.pem" MTLS_KEY="$W/client.key")
  [ "$2" != keep ] && hdr=(-H "Connection: close")
  case $2 in fleet|storm) id=(MTLS_CERT_LIST="$W/$2.list") ;; fleetwarm) id=(MTLS_CERT_LIST="$W/fleet-warm.list") ;;
    resume) id+=(MTLS_RESUME=1) ;; esac
  env "${id[@]}" LD_PRELOAD="$SHIM" \
    wrk -t1 -c "$3" -d "$4s" "${hdr[@]}" --latency "https://localhost:$1/" > "$W/wrk.out" 2>&1
  local req bad p99 err
  req=$(awk '/requests in/{print $1}' "$W/wrk.out"); bad=$(awk '/Non-2xx/{print $5}' "$W/wrk.out")
  p99=$(awk '$1=="99%"{v=$2; f=1; if (v ~ /us$/) f=0.001; else if (v ~ /ms$/) f=1; else if (v ~ /s$/) f=1000
    sub(/[a-z]+$/, "", v); printf "%.2f", v * f}' "$W/wrk.out"); err=$(awk '/Socket errors/{gsub(/,/,""); print $4+$6+$8+$10}' "$W/wrk.out")
  echo "${req:-0} ${bad:-0} ${p99:--} ${err:-0}"; }
run_h2load() { # port seconds -> "requests non2xx p99_ms errors"; HTTP/2 keep-alive, 16 connections x 10 streams
  MTLS_CERT="$W/client.pem" MTLS_KEY="$W/client.key" LD_PRELOAD="$SHIM" \
    h2load -c 16 -m 10 -D "$2" --log-file="$W/h2load.log" "https://localhost:$1/" > "$W/h2load.out" 2>&1
  local ok bad err p99
  ok=$(awk '/^status codes:/{print $3}' "$W/h2load.out"); bad=$(awk '/^status codes:/{print $5+$7+$9}' "$W/h2load.out")
  err=$(awk '/^requests:/{print $10}' "$W/h2load.out")
  if ! grep -q '^Application protocol: h2$' "$W/h2load.out"; then  # not HTTP/2: every request counts as failed
    echo "  (port $1 did not negotiate h2: $(grep -m1 -i 'protocol' "$W/h2load.out"))" >&2; err=$(( ${ok:-0} + ${bad:-0} + ${err:-0} )); fi
  # the log also holds the requests made while the clients connect, before the measured window: the
  # last ones started (as many as the window completed) are the measured ones
  p99=$(sort -n -k1,1 "$W/h2load.log" | tail -n "$(( ${ok:-0} + ${bad:-0} ))" | cut -f3 | sort -n \
    | awk '{v[NR]=$1} END{ if (NR) { i=int(NR*0.99); if (i<1) i=1; printf "%.2f", v[i]/1000 } }')
  awk '/^time for request:/{printf "  (h2load, measured window: mean %s, max %s, min %s)\n", $6, $5, $4}' "$W/h2load.out" >&2
  echo "$(( ${ok:-0} + ${bad:-0} )) ${bad:-0} ${p99:--} ${err:-0}"; }
measure() { # measure GATEWAY MODE WRKMODE(or h2) CONNECTIONS [PORT]: one measured run, printed and added to results.tsv
  local g=$1 a b req bad p99 err ok cpu port=${5:-$(port_of "$1")} out
  a=$(cpu_ticks "$g")
  if [ "$3" = h2 ]; then out=$(run_h2load "$port" "$D" 2> "$W/h2load.note"); else out=$(run_wrk "$port" "$3" "$4" "$D"); fi
  b=$(cpu_ticks "$g"); read -r req bad p99 err <<< "$out"
  ok=$((req - bad))
  cpu=$(awk -v c=$(( (b - a) * 10 )) -v n=$ok 'BEGIN{ if (n > 0) printf "%.1f", c * 1000 / n; else print "-" }')
  printf '%-10s %-10s %9s %8s %8s %14s %9s\n' "$g" "$2" $((ok / D)) "$bad" "$err" "$cpu" "$p99"
  printf '%s\t%s\t%s\t%s\t%s\n' "$g" "$2" "$cpu" $((bad + err)) "$p99" >> "$W/results.tsv"
  case $2 in fleet|storm) [ "$req" -gt "$FLEET" ] && echo "  ($2 wrapped around: $req requests > $FLEET devices; some verdicts could be reused)" ;;
    h2*) cat "$W/h2load.note" ;; esac; }
resumes() { # resumes PORT -> yes if a second s_client connection resumes the first one's session
  local q=$'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'
  local o=(-connect "127.0.0.1:$1" -servername localhost -cert "$W/client.pem" -key "$W/client.key" -CAfile "$W/ca.pem" -ign_eof)
  rm -f "$W/session.pem"
  printf '%s' "$q" | timeout 10 openssl s_client "${o[@]}" -sess_out "$W/session.pem" > /dev/null 2>&1
  [ -f "$W/session.pem" ] || { echo no; return; }
  printf '%s' "$q" | timeout 10 openssl s_client "${o[@]}" -sess_in "$W/session.pem" 2>/dev/null | grep -q '^Reused' && echo yes || echo no; }
idle_conns() { # port count -> holds COUNT mTLS connections open 6 s
  python3 - "$1" "$2" "$W" <<'PY'
import asyncio, ssl, sys
port, n, w = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
ctx = ssl.create_default_context(cafile=f"{w}/ca.pem"); ctx.load_cert_chain(f"{w}/client.pem", f"{w}/client.key")
async def one(sem, out):
    async with sem:
        try:
            r, wr = await asyncio.open_connection("127.0.0.1", port, ssl=ctx, server_hostname="localhost")
            wr.write(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"); await wr.drain(); await r.readuntil(b"hello\n"); out.append(wr)
        except Exception: pass
async def main():
    sem, out = asyncio.Semaphore(64), []
    await asyncio.gather(*(one(sem, out) for _ in range(n)))
    print(len(out), flush=True); open(f"{w}/idle.ready", "w").write(str(len(out)))
    await asyncio.sleep(6)
    for x in out: x.close()
asyncio.run(main())
PY
}

BENCH_JAR=$GATEHOUSE_HOME/bench/target/benchmarks.jar
if [[ " $GWS " == *" floor-"* ]] && { [ ! -f "$BENCH_JAR" ] || [ -n "$(find "$GATEHOUSE_HOME/bench/src" -newer "$BENCH_JAR" -type f | head -n 1)" ]; }; then
  echo "building the bench jar for the relay floors..."
  (cd "$GATEHOUSE_HOME" && ./mvnw -B -q -DskipTests package -pl bench -am) || { echo "could not build $BENCH_JAR"; exit 1; }
fi
nginx -c "$W/backend.conf"
: > "$W/results.tsv"
printf '%-10s %-10s %9s %8s %8s %14s %9s\n' gateway mode ops/s non2xx errors cpu_ms/1k_ops p99
for g in $GWS; do
  write_configs 0
  start "$g" || continue
  # what the backend gets: the size of each forwarded request head (wrk's request: GET / and Host), and
  # in IDENTITY=full the subject header, which a peer configured right forwards as Gatehouse does
  read -r head subject <<< "$(curl -sk -H 'User-Agent:' -H 'Accept:' --cert "$W/client.pem" --key "$W/client.key" \
    "https://localhost:$(port_of "$g")/identity")"
  echo "$g: the backend gets a request head of ${head:-?} bytes per request (subject header: ${subject:--})"
  if [ "$IDENTITY" = full ] && [ -z "$subject" ] && [ "$g" != floor-raw ]; then echo "$g: does not forward the full identity (not measured)"; stop "$g"; continue; fi
  if floor "$g"; then   # a floor takes part in keep-alive only; 30 s of it first, as gatehouse serve warms itself up
    if want keepalive && [ "$ROUNDS" -eq 1 ]; then run_wrk "$(port_of "$g")" keep 16 30 > /dev/null; measure "$g" keepalive keep 64; fi
    stop "$g"; continue
  fi
  want storm && measure "$g" storm storm 32   # cold: the first load after the start
  # Each other mode is measured warm, the same for every gateway (JIT, pools): 5 s of keep-alive, then
  # before each mode 5 s of the same load. The fleet's warm-up uses 5,000 extra devices that its
  # measurement never sees, so the measured ones are all new.
  run_wrk "$(port_of "$g")" keep 16 5 > /dev/null
  for mode in new fleet keepalive h2keepalive h2target; do
    want $mode || continue
    [ $mode = keepalive ] && [ "$ROUNDS" -gt 1 ] && continue   # measured below, in interleaved rounds
    case $mode in new) m=close c=32 w=close ;; fleet) m=fleet c=32 w=fleetwarm ;; keepalive) m=keep c=64 w=keep ;;
      h2keepalive) m=h2 c=16 ;; h2target) [ "$g" = gatehouse ] || continue; m=h2 c=16 ;; esac
    port=$(port_of "$g"); [ $mode = h2target ] && port=$P_GATEHOUSE_H2T
    if [ $m = h2 ]; then run_h2load "$port" 5 > /dev/null 2>&1; else run_wrk "$port" $w 16 5 > /dev/null; fi
    measure "$g" $mode $m $c "$port"
  done
  if want idle; then
  rm -f "$W/idle.ready"; r0=$(rss_kib "$g")
  idle_conns "$(port_of "$g")" 2000 > "$W/idle.out" & idle_pid=$!
  for _ in $(seq 1 120); do [ -f "$W/idle.ready" ] && break; sleep 0.5; done
  sleep 1; r1=$(rss_kib "$g"); held=$(cat "$W/idle.ready" 2>/dev/null || echo 0); wait $idle_pid
  kib=$(awk -v d=$((r1 - r0)) -v n="$held" 'BEGIN{ if (n > 0) printf "%.1f", d / n; else print "-" }')
  printf '%-10s %-10s %9s %8s %8s %14s %9s\n' "$g" idle "$held" - - "${kib}KiB/conn" -
  printf '%s\tidle\t%s\t%s\t-\n' "$g" "$kib" $((2000 - held)) >> "$W/results.tsv"
  fi
  stop "$g"
  want resume || continue
  write_configs 1                      # resume: restarted with session resumption on
  if start "$g"; then
    run_wrk "$(port_of "$g")" resume 16 5 > /dev/null
    if [ "$(resumes "$(port_of "$g")")" = yes ]; then measure "$g" resume resume 32
    else echo "$g resume: a second connection did not resume the first one's session (not measured)"; fi
    stop "$g"
  fi
done
# Keep-alive in ROUNDS interleaved rounds: every gateway runs at once (each on its own port), and each round
# measures them one after the other, starting each round with the next gateway. A slow minute of the machine
# then falls on every gateway alike; the table gives each gateway's median.
if [ "$ROUNDS" -gt 1 ] && want keepalive; then
  write_configs 0
  up=()
  for g in $GWS; do
    start "$g" || continue
    up+=("$g"); run_wrk "$(port_of "$g")" keep 16 5 > /dev/null
    floor "$g" && run_wrk "$(port_of "$g")" keep 16 25 > /dev/null   # in place of gatehouse serve's start-up warm-up
  done
  for r in $(seq 0 $((ROUNDS - 1))); do
    for i in $(seq 0 $((${#up[@]} - 1))); do
      g=${up[$(( (i + r) % ${#up[@]} ))]}
      run_wrk "$(port_of "$g")" keep 16 2 > /dev/null   # the same short warm-up before each measurement
      measure "$g" keepalive keep 64
    done
  done
  for g in "${up[@]}"; do stop "$g"; done
fi
kill "$(cat "$W/backend.pid")"

# The table for README.md and bench/README.md: each figure, and Gatehouse's ratio to the best peer.
python3 - "$W/results.tsv" <<'PY'
import sys
import statistics
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
vals, bad = {}, {}   # a figure measured more than once (ROUNDS) is given as its median
for g, m, v, b, p99 in rows:
    try: vals.setdefault((g, m), []).append(float(v))
    except ValueError: pass
    bad[g, m] = bad.get((g, m), 0) + int(b)
    if m in ("keepalive", "h2keepalive", "h2target"):
        k = {"keepalive": "p99", "h2keepalive": "h2p99", "h2target": "h2tp99"}[m]
        try: vals.setdefault((g, k), []).append(float(p99))
        except ValueError: pass
        bad[g, k] = bad.get((g, k), 0) + int(b)
val = {k: statistics.median(v) for k, v in vals.items()}
rounds = max((len(v) for v in vals.values()), default=1)
modes = [("storm", "storm: CPU ms / 1k first handshakes after start", 1.5), ("new", "new: CPU ms / 1k handshakes", 0.6),
         ("fleet", "fleet: CPU ms / 1k handshakes", 1.0), ("resume", "resume: CPU ms / 1k resumed", 0.8),
         ("keepalive", "keep-alive: CPU ms / 1k requests", 0.9), ("p99", "keep-alive p99 ms", 1.5),
         ("h2keepalive", "HTTP/2 keep-alive: CPU ms / 1k requests", None), ("h2p99", "HTTP/2 keep-alive p99 ms", None),
         ("h2target", "HTTP/2 to an HTTP/2 target: CPU ms / 1k requests", None), ("h2tp99", "HTTP/2 to an HTTP/2 target p99 ms", None),
         ("idle", "idle: KiB / connection", 0.5)]
modes = [x for x in modes if any(k[1] == x[0] for k in bad)]   # the modes measured in this run
gws = [g for g in ["gatehouse", "nginx", "haproxy", "caddy", "floor-raw", "floor-bytes", "floor-codec"] if any(k[0] == g for k in bad)]
print()
if rounds > 1:
    print(f"(keep-alive: the median of {rounds} interleaved rounds)")
print("| gateway | " + " | ".join(t for _, t, _ in modes) + " |")
print("|---" * (len(modes) + 1) + "|")
for g in gws:
    cells = []
    for m, _, _ in modes:
        v = val.get((g, m)); b = bad.get((g, m), 0)
        cells.append(("-" if v is None else f"{v:,.1f}") + (f" ({b} failed)" if b else ""))
    print(f"| {g} | " + " | ".join(cells) + " |")
peers = [g for g in gws if g != "gatehouse" and not g.startswith("floor-")]
if "gatehouse" in gws and peers:
    cells = []
    for m, _, target in modes:
        best = [(val[p, m], p) for p in peers if (p, m) in val and not bad.get((p, m))]
        v = val.get(("gatehouse", m))
        if not best or v is None:
            cells.append("-"); continue
        b, who = min(best)
        r = v / b
        if target is None: cells.append(f"{r:.2f}x {who}"); continue
        cells.append(f"{r:.2f}x {who} ({'meets' if r <= target and not bad.get(('gatehouse', m)) else 'misses'} <= {target})")
    print("| **Gatehouse / best peer** | " + " | ".join(cells) + " |")
for f in [g for g in gws if g.startswith("floor-")]:   # the floors' ratios, without a verdict: none is a product
    cells = []
    for m, _, _ in modes:
        best = [(val[p, m], p) for p in peers if (p, m) in val and not bad.get((p, m))]
        v = val.get((f, m))
        cells.append(f"{v / min(best)[0]:.2f}x {min(best)[1]}" if best and v is not None else "-")
    print(f"| {f} / best peer | " + " | ".join(cells) + " |")
PY
echo "workdir: $W"
