# policybot: the service on the embedded defaults, with the store built at image build time.
# Two stages: the builder has a compiler and builds the venv from requirements.lock (hashes
# checked) plus the project's own wheel; the runtime stage gets only the venv and the store.

FROM python:3.11-slim AS builder

ENV PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    POLICYBOT_STORE_DIR=/srv/policybot/var/store

# a compiler, for dependencies that build from source on platforms without a wheel
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*

# a recent pip: an old one looks an extra (uvicorn[standard]) up anew, past the lock's pin
RUN python -m venv /opt/venv && /opt/venv/bin/pip install --quiet --upgrade "pip>=24"
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src
# the dependencies first, so that a change to the code reuses this layer
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY app ./app
COPY ingest ./ingest
COPY vectorstore ./vectorstore
COPY prompts ./prompts
# not editable: the venv holds the code, the prompts, the page and the data
RUN pip install --no-deps . && policybot ingest


FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    POLICYBOT_STORE_DIR=/srv/policybot/var/store

RUN useradd --system --uid 10001 --create-home --home-dir /srv/policybot policybot
WORKDIR /srv/policybot
# the same python:3.11-slim base, so the venv's interpreter links resolve here too
COPY --from=builder /opt/venv /opt/venv
COPY --from=builder --chown=policybot:policybot /srv/policybot/var /srv/policybot/var
USER policybot

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2)"]
CMD ["policybot", "serve", "--host", "0.0.0.0", "--port", "8000"]
