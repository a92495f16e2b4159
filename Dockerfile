# One image for every luutru service; the command picks the service.
FROM debian:12-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      python3 python3-venv tesseract-ocr tesseract-ocr-vie fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/luutru
COPY pyproject.toml requirements-build-lock.txt requirements-lock.txt ./
COPY services ./services
COPY schemas ./schemas
COPY deploy ./deploy
RUN python3 -m venv .venv \
 && .venv/bin/pip install --no-cache-dir --require-hashes -r requirements-build-lock.txt \
 && .venv/bin/pip install --no-cache-dir --require-hashes --no-build-isolation \
      -r requirements-lock.txt \
 && .venv/bin/pip install --no-cache-dir --no-deps --no-build-isolation -e . \
 && useradd --system --home /opt/luutru luutru
USER luutru
ENV OMP_THREAD_LIMIT=1 LUUTRU_DATA=/var/lib/luutru
ENTRYPOINT [".venv/bin/python", "-m", "services.common.runner", "--config", "deploy/nameko.yaml"]
