# One image for the app replicas and the Ray nodes of docker-compose.yml and deploy/kubernetes/.
FROM python:3.11.16-slim-bookworm@sha256:0bee7276f83efd4a1ee05bbbf4281d95ed28e079220a9457f25a93e3f1e3c31b
WORKDIR /app
# PyTorch's CPU wheels (PyPI's default build carries CUDA: gigabytes the workers never use)
RUN pip install --no-cache-dir torch==2.14.1 torchvision==0.29.1 --index-url https://download.pytorch.org/whl/cpu
COPY requirements.txt requirements-cluster.txt ./
RUN pip install --no-cache-dir -r requirements-cluster.txt
COPY app.py ./
COPY .streamlit .streamlit
COPY core core
COPY ui ui
COPY pages pages
COPY lessons lessons
# not root: uid 10001 owns nothing but the mounted store (the secrets are made readable to it)
RUN useradd --uid 10001 --create-home --shell /usr/sbin/nologin digits
USER 10001
EXPOSE 8501
CMD ["streamlit", "run", "app.py", "--server.address=0.0.0.0", "--server.port=8501", "--server.headless=true"]
