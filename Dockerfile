# Production image: the same code for web, worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml requirements.lock README.md ./
COPY annotator ./annotator
RUN pip install --upgrade pip && pip install -c requirements.lock ".[native]"
# The detector's rule modules compiled to C (annotator/detection/native.py); the
# compiler goes again once they are built.
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev \
    && python -m annotator.detection build \
    && apt-get purge -y gcc libc6-dev && apt-get autoremove -y && rm -rf /var/lib/apt/lists/*

COPY manage.py ./
COPY templates ./templates
COPY static ./static
# collectstatic needs settings but no database or secret of the real deployment.
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput

RUN useradd --system --uid 1000 annotator && mkdir -p /data && chown annotator /data
USER annotator
ENV DATA_DIR=/data MEDIA_ROOT=/data/media
EXPOSE 8000
CMD ["gunicorn", "annotator.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
