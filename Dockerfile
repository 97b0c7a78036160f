# Images of the site, by use (requirements/ says what each installs):
#   docker build -t phongtro-ai .                          serving: web, worker, beat (the default, last stage)
#   docker build --target train -t phongtro-ai-train .     + PyTorch etc.: python -m mlcore train|gate|bench
# The serving image has no PyTorch: the model is served from its ONNX Runtime export.
FROM python:3.11-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # Two malloc arenas per process: threads (gunicorn's, the tagger's) otherwise each grow their
    # own and a web process keeps hundreds of MB after a burst of photo uploads.
    MALLOC_ARENA_MAX=2
WORKDIR /app
# A user of its own: the processes never run as root; it owns only the data folders.
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app \
 && mkdir -p /data/media /data/metrics && chown -R app:app /data
COPY requirements/serve.txt requirements/serve.txt
RUN pip install --no-cache-dir -r requirements/serve.txt

FROM base AS train
COPY requirements/train.txt requirements/train.txt
RUN pip install --no-cache-dir -r requirements/train.txt
COPY . .
USER app
CMD ["python", "-m", "mlcore", "--help"]

FROM base AS serve
COPY . .
RUN DEBUG=0 SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput --verbosity 0 \
 && python -m compileall -q config rooms tagging photos guard mlcore
USER app
EXPOSE 8000
# Ready: the model loaded, the database and the broker answer (docs/deployment.md).  Compose turns
# it off for the worker and beat, which serve no HTTP.
HEALTHCHECK --interval=15s --timeout=5s --start-period=90s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/ready', timeout=4).status != 200)"]
CMD ["gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi"]
