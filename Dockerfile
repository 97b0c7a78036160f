FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN DEBUG=0 SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput
# Two malloc arenas per process: threads (gunicorn's, the tagger's) otherwise each grow their own
# and a web process keeps hundreds of MB after a burst of photo uploads.
ENV MALLOC_ARENA_MAX=2
EXPOSE 8000
CMD ["gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi"]
