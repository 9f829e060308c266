#!/usr/bin/env sh
# The secrets docker-compose.yml mounts: the database password and Ray's token, random,
# readable by their owner only. Run once on the Docker host; keep them out of git.
set -eu
cd "$(dirname "$0")"
umask 077
mkdir -p secrets
for name in db_password ray_token; do
    [ -s "secrets/$name" ] || python3 -c 'import secrets; print(secrets.token_hex(32))' > "secrets/$name"
done
chmod 600 secrets/*
# the image's user (uid 10001) reads them: compose mounts a file secret with its host owner
chown 10001:10001 secrets/* 2>/dev/null || echo "run as root (sudo) to give the files to uid 10001, the app's user" >&2
echo "wrote deploy/secrets/db_password and deploy/secrets/ray_token"
