#!/usr/bin/env bash
# CI (ASVS 1.14.4): Django's deployment checks, failing on any warning, against a production-like
# configuration made of fresh throwaway secrets: HTTPS, HSTS, the app's own redirect, real SMS
# providers, and the data and blind-index keys set (not derived). A setting that weakens a
# production deployment shows up here before it ships.
set -euo pipefail
cd "$(dirname "$0")/.."
key() { .venv/bin/python -c 'import base64, secrets; print(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())'; }
env -i PATH="$PATH" HOME="${HOME:-/root}" \
  KHEDMAT_SECRET_KEY="$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
  KHEDMAT_ALLOWED_HOSTS=desk.example.org \
  KHEDMAT_HTTPS=1 KHEDMAT_SSL_REDIRECT=1 KHEDMAT_HSTS_INCLUDE_SUBDOMAINS=1 KHEDMAT_HSTS_PRELOAD=1 \
  KHEDMAT_DATA_KEYS="k1:$(key)" KHEDMAT_BLIND_INDEX_KEY="$(key)" KHEDMAT_BACKUP_KEY="$(key)" \
  KHEDMAT_SMS_PROVIDERS=kavenegar KHEDMAT_SMS_OTP_PROVIDERS=kavenegar \
  KHEDMAT_SMS_KAVENEGAR_API_KEY=deploy-check KHEDMAT_SMS_KAVENEGAR_SENDER=10004346 \
  DATABASE_URL="sqlite:///$(mktemp -d)/deploy-check.sqlite3" \
  .venv/bin/khedmat check --deploy --fail-level WARNING
