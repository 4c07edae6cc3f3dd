"""The container's health probe (Dockerfile HEALTHCHECK, docker-compose.yml healthcheck): asks the
app's health endpoint /sante/ through gunicorn and exits 0 if it answers 200, 1 otherwise
(503 "indisponible", no answer, timeout). Sent as the reverse proxy would send it: a host of
ALLOWED_HOSTS and X-Forwarded-Proto https (no redirection to HTTPS), and with HEALTH_TOKEN when
set, so that the container's logs tell which check failed. Standard library only."""

import os
import sys
import urllib.error
import urllib.request

hosts = [host.strip().lstrip(".") for host in os.environ.get("ALLOWED_HOSTS", "").split(",")]
host = next((h for h in hosts if h and "*" not in h), "localhost")
headers = {"Host": host, "X-Forwarded-Proto": "https"}
if os.environ.get("HEALTH_TOKEN"):
    headers["X-Health-Token"] = os.environ["HEALTH_TOKEN"]
url = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/sante/"
try:
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5) as response:
        sys.exit(0 if response.status == 200 else 1)
except urllib.error.HTTPError as error:
    print(error.read(2000).decode(errors="replace"), file=sys.stderr)
    sys.exit(1)
except OSError as error:
    print(f"{url}: {error}", file=sys.stderr)
    sys.exit(1)
