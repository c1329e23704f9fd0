# syntax=docker/dockerfile:1
#
# mailbot, the Telegram support bot, as a container image.
#
#   docker build -t mailbot .
#   docker run -d --name mailbot --restart unless-stopped \
#       -e TELEGRAM_BOT_TOKEN=... -v mailbot-data:/data mailbot
#
# docs/deploy.md is the administrator's guide. Building needs BuildKit (the default builder since
# Docker 23) for the RUN --mount below.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm


# ---- builder: the project's wheel and a wheel of every dependency pyproject.toml names --------------
FROM ${PYTHON_IMAGE} AS builder

ENV PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

# Compilers stay in this stage. They are only used when a dependency has no wheel for the platform
# being built (today every dependency has one for amd64 and arm64).
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
# Only what the wheel is built from; pyproject.toml names README.md, and copies knowledge/ and
# locales/ into the package.
COPY pyproject.toml README.md ./
COPY bot/ bot/
COPY knowledge/ knowledge/
COPY locales/ locales/

RUN pip wheel --wheel-dir /wheels .


# ---- runtime ------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE}

LABEL org.opencontainers.image.title="mailbot" \
      org.opencontainers.image.description="Telegram support assistant that helps hosting customers set up their mailbox" \
      org.opencontainers.image.licenses="MIT"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    BOT_DATA_DIR=/data \
    BOT_CACHE_DIR=/app/cache

# The sqlite3 shell, for online backups of the database (docs/deploy.md, "Data and backups").
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends sqlite3 \
    && rm -rf /var/lib/apt/lists/*

# A fixed uid and gid, so that folders on the host can be given to the bot by number.
RUN groupadd --gid 10001 mailbot \
    && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /app \
        --shell /usr/sbin/nologin mailbot \
    && install -d -o 10001 -g 10001 -m 0750 /data

# The wheels are mounted from the builder, never copied, so they take no room in the image. Only the
# project and the dependencies it names are installed; nothing is fetched from the network here.
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    pip install --no-index --find-links=/wheels /wheels/mailbot-*.whl

# Train the answer engine once, here: the container starts answering at once and never trains at
# run time (its models are read from BOT_CACHE_DIR). A knowledge base of your own (KNOWLEDGE_DIR) is
# trained at its first start, in a few seconds, and cached there too.
RUN mailbot kb check && chown -R 10001:10001 /app/cache

WORKDIR /app
VOLUME ["/data"]
USER 10001:10001

# Webhook mode (mailbot run --webhook) listens on WEBHOOK_PORT, 8443 by default; polling needs no port.
EXPOSE 8443

# Exits 0 while the running bot's heartbeat file in BOT_DATA_DIR is fresh.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["mailbot", "health"]

ENTRYPOINT ["mailbot"]
CMD ["run"]
