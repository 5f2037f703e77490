# faqbot in a container: built with Rust, run on Debian slim as a non-root user, with the
# index and the database on a volume. Needs Docker 23 or newer (BuildKit).
#
#   docker build -t faqbot .
#   docker run -d --name faqbot --restart unless-stopped --env-file faqbot.env \
#     -v faqbot-data:/var/lib/faqbot faqbot
#
# README.md, "Install and run as a service", has the details (settings, own corpus, backups).

FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
# Cargo's downloads and the target folder are cache mounts: a rebuild after a change to
# faqbot's own code compiles faqbot alone, not its dependencies again.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked \
 && cp target/release/faqbot /usr/local/bin/faqbot

FROM debian:bookworm-slim
# sqlite3 is for backups (docker exec faqbot sqlite3 ...); faqbot itself needs no system
# library: SQLite is built in, and so are the certificate roots of its TLS (rustls).
RUN apt-get update \
 && apt-get install -y --no-install-recommends sqlite3 \
 && rm -rf /var/lib/apt/lists/*
RUN useradd --system --user-group --uid 10001 --home-dir /var/lib/faqbot --no-create-home \
        --shell /usr/sbin/nologin faqbot \
 && install -d -o faqbot -g faqbot -m 0700 /var/lib/faqbot
COPY --from=build /usr/local/bin/faqbot /usr/local/bin/faqbot
# The sample corpus; mount the clinic's own over it (read-only is enough).
COPY faq_corpus /usr/local/share/faqbot/faq_corpus
# Where things are. Environment variables win over a config file, so a mounted faqbot.toml
# (FAQBOT_CONFIG) sets the Telegram settings and threshold but not these.
ENV FAQBOT_CORPUS=/usr/local/share/faqbot/faq_corpus \
    FAQBOT_INDEX=/var/lib/faqbot/index \
    FAQBOT_DATA_DIR=/var/lib/faqbot/data
USER faqbot
WORKDIR /var/lib/faqbot
# Index the sample corpus now, so a new volume starts with it; a changed or mounted corpus
# is re-indexed when the bot starts.
RUN faqbot index
VOLUME /var/lib/faqbot
ENTRYPOINT ["faqbot"]
CMD ["serve"]
