#!/bin/sh
# Runs in the nginx container (mounted into /docker-entrypoint.d/, so the image's entrypoint
# starts it before nginx). certbot cannot signal another container, so it touches
# /etc/letsencrypt/.maltese-reload after it obtains or renews a certificate; this loop
# reloads nginx within a minute of that. nginx reloads gracefully: no connection is dropped.
flag=/etc/letsencrypt/.maltese-reload
(
    last=$(stat -c %Y "$flag" 2>/dev/null || echo 0)
    while sleep 60; do
        now=$(stat -c %Y "$flag" 2>/dev/null || echo 0)
        if [ "$now" != "$last" ]; then
            last=$now
            echo "maltese: certificate renewed, reloading nginx"
            nginx -s reload || echo "maltese: nginx reload failed" >&2
        fi
    done
) &
