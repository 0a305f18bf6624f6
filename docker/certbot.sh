#!/bin/sh
# Entry point of the certbot container (docker-compose.yml). Certificates for cryptomaltese.com
# and www.cryptomaltese.com from Let's Encrypt, by HTTP-01 through nginx's webroot.
#
#  1. No certificate yet: write a temporary self-signed one, so nginx can start (nginx waits
#     for this container's health check, which waits for the file).
#  2. While only that temporary certificate exists: wait until nginx serves the webroot, then
#     ask Let's Encrypt for the real one; on failure put the temporary one back and retry in
#     an hour. Success touches /etc/letsencrypt/.maltese-reload: nginx reloads
#     (docker/nginx-reload-on-renewal.sh).
#  3. Twice a day "certbot renew": renews when a certificate has less than 30 days left, and
#     touches the same file when it did.
#
# Environment: LETSENCRYPT_EMAIL (expiry notices), LETSENCRYPT_STAGING=1 (test CA, untrusted).
set -eu

DOMAIN=cryptomaltese.com
LIVE=/etc/letsencrypt/live/$DOMAIN
WEBROOT=/var/www/certbot
FLAG=/etc/letsencrypt/.maltese-reload

trap 'exit 0' TERM INT
pause() { sleep "$1" & wait $!; }

self_signed() {
    mkdir -p "$LIVE"
    if command -v openssl >/dev/null 2>&1; then
        openssl req -x509 -nodes -newkey rsa:2048 -days 30 -subj "/CN=$DOMAIN" \
            -keyout "$LIVE/privkey.pem" -out "$LIVE/fullchain.pem" 2>/dev/null
    else
        # No openssl binary in the image: the Python cryptography package certbot itself uses.
        python3 - "$DOMAIN" "$LIVE" <<'PY'
import datetime, sys
from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
domain, live = sys.argv[1], sys.argv[2]
key = ec.generate_private_key(ec.SECP256R1())
name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domain)])
now = datetime.datetime.now(datetime.timezone.utc)
cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(domain), x509.DNSName("www." + domain)]), False)
        .sign(key, hashes.SHA256()))
with open(live + "/privkey.pem", "wb") as f:
    f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()))
with open(live + "/fullchain.pem", "wb") as f:
    f.write(cert.public_bytes(serialization.Encoding.PEM))
PY
    fi
    cp "$LIVE/fullchain.pem" "$LIVE/chain.pem"
    touch "$LIVE/.self-signed"
    echo "maltese: temporary self-signed certificate in $LIVE"
}

if [ ! -s "$LIVE/fullchain.pem" ]; then
    self_signed
fi

staging=""
if [ "${LETSENCRYPT_STAGING:-0}" = 1 ]; then
    staging="--staging"
fi

while [ -f "$LIVE/.self-signed" ]; do
    # nginx must answer on port 80 before Let's Encrypt can fetch the challenge (at most 5 min).
    mkdir -p "$WEBROOT/.well-known/acme-challenge"
    echo ok > "$WEBROOT/.well-known/acme-challenge/maltese-probe"
    tries=0
    until wget -q -O /dev/null http://nginx/.well-known/acme-challenge/maltese-probe; do
        tries=$((tries + 1))
        if [ "$tries" -ge 60 ]; then
            echo "maltese: nginx does not serve the webroot yet; trying anyway"
            break
        fi
        pause 5
    done
    rm -f "$WEBROOT/.well-known/acme-challenge/maltese-probe"

    # certbot refuses to write over a live directory it did not create.
    rm -rf "$LIVE" "/etc/letsencrypt/archive/$DOMAIN" "/etc/letsencrypt/renewal/$DOMAIN.conf"
    if certbot certonly --webroot -w "$WEBROOT" --cert-name "$DOMAIN" -d "$DOMAIN" -d "www.$DOMAIN" \
            --email "$LETSENCRYPT_EMAIL" --agree-tos --no-eff-email --non-interactive $staging; then
        echo "maltese: certificate obtained for $DOMAIN"
        touch "$FLAG"
    else
        echo "maltese: could not obtain a certificate (DNS pointing here? port 80 open?); retrying in 1 h"
        self_signed
        pause 3600
    fi
done

while :; do
    certbot renew --webroot -w "$WEBROOT" --quiet --deploy-hook "touch $FLAG" \
        || echo "maltese: renewal failed; retrying in 12 h"
    pause 43200
done
