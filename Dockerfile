FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends build-essential cmake && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
RUN CMAKE_ARGS=-DGGML_NATIVE=OFF pip install --no-cache-dir -e '.[model]'
ENV SUMMARIZER_DATA_DIR=/data
ENTRYPOINT []
