# policybot: the service on the embedded defaults, with the store built at image build time.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    POLICYBOT_STORE_DIR=/srv/policybot/var/store

# a compiler, for dependencies that build from source on platforms without a wheel
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /srv/policybot
COPY pyproject.toml README.md ./
COPY app ./app
COPY ingest ./ingest
COPY vectorstore ./vectorstore
COPY prompts ./prompts
RUN pip install -e . && policybot ingest

RUN useradd --system --home /srv/policybot policybot && chown -R policybot /srv/policybot/var
USER policybot

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz')"
CMD ["policybot", "serve", "--host", "0.0.0.0", "--port", "8000"]
