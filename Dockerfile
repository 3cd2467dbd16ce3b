# syncsvc: build a wheel in one stage, run it as a non-root user in a slim second stage.
FROM python:3.11-slim AS build
WORKDIR /src
RUN pip install --no-cache-dir --upgrade pip build
COPY pyproject.toml README.md ./
COPY src ./src
COPY migrations ./migrations
RUN python -m build --wheel --outdir /wheels

FROM python:3.11-slim AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SYNCSVC_DATA_DIR=/var/lib/syncsvc \
    SYNCSVC_LOG_FORMAT=json
RUN groupadd --system syncsvc && useradd --system --gid syncsvc --home-dir /var/lib/syncsvc syncsvc \
    && mkdir -p /var/lib/syncsvc && chown syncsvc:syncsvc /var/lib/syncsvc
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER syncsvc
WORKDIR /var/lib/syncsvc
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"
ENTRYPOINT ["syncsvc"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
