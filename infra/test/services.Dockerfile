# Stand-ins for the Redis and PostgreSQL images the compose files name (`redis:7-bookworm`,
# `postgres:16-bookworm`), for an engine with no registry: Debian's own redis-server and
# PostgreSQL 15 on the offline base, behaving as the official images do where the compose files
# rely on it (Redis in /data as `redis`, started through `docker-entrypoint.sh`; PostgreSQL
# initialised from POSTGRES_USER, POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE, and POSTGRES_DB into
# $PGDATA on first start, `pg_isready` on the path). The test overrides use them;
# infra/scripts/prepare-engine.sh builds them (targets test-redis, test-postgres).
ARG BASE_IMAGE=local/debian:bookworm

FROM ${BASE_IMAGE} AS packages
RUN mkdir -p /etc/postgresql-common \
 && echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.conf \
 && apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server postgresql-15 >/dev/null \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin

FROM packages AS postgres
ENV PATH=/usr/lib/postgresql/15/bin:$PATH PGDATA=/var/lib/postgresql/data
COPY postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint
RUN mkdir -p "$PGDATA" /var/run/postgresql && chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql
USER postgres
STOPSIGNAL SIGINT
ENTRYPOINT ["postgres-entrypoint"]
CMD ["postgres"]

FROM packages AS redis
# The official image's entry point switches to `redis` and runs its arguments; this one already runs as `redis`.
RUN mkdir -p /data && chown redis:redis /data \
 && printf '#!/bin/sh\nexec "$@"\n' >/usr/local/bin/docker-entrypoint.sh \
 && chmod 0755 /usr/local/bin/docker-entrypoint.sh
WORKDIR /data
USER redis
CMD ["redis-server"]
