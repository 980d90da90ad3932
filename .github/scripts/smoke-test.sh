#!/usr/bin/env bash
# smoke-test.sh STACK: the deployed API answers /readyz and scores one transaction, with an API key
# read from Secrets Manager (the secret named by the stack output secretArns.apiKeys).
set -euo pipefail
stack=$1
outputs=$(pulumi stack output --stack "$stack" --json)
api_url=$(jq -r '.apiUrl // empty' <<<"$outputs")
if [[ -z $api_url ]]; then
  echo "::error::stack $stack has no apiUrl output yet"
  exit 1
fi
secret_arn=$(jq -er '.secretArns.apiKeys' <<<"$outputs")
# The secret holds comma-separated keys; the first is enough. Mask it before anything can print it.
api_key=$(aws secretsmanager get-secret-value --secret-id "$secret_arn" --query SecretString --output text | cut -d, -f1)
echo "::add-mask::$api_key"

# The load balancer and the new pods may take a few minutes after `pulumi up`.
for attempt in $(seq 60); do
  if curl --fail --silent --show-error --max-time 5 "$api_url/readyz" >/dev/null; then break; fi
  if [[ $attempt == 60 ]]; then
    echo "::error::$api_url/readyz did not answer 2xx within 5 minutes"
    exit 1
  fi
  sleep 5
done
echo "$api_url/readyz is ready"

transaction=$(jq -n --arg id "smoke-${GITHUB_SHA:-local}-${GITHUB_RUN_ATTEMPT:-1}" --arg ts "$(date -u +%Y-%m-%dT%H:%M:%S+00:00)" \
  '{transactionId: $id, timestamp: $ts, cardId: "smoke-card", merchantId: "smoke-merchant", amount: 12.5, currency: "EUR", country: "FR", channel: "ecom"}')
# The key goes through a header file on stdin, not the command line.
response=$(printf 'X-API-Key: %s\n' "$api_key" | curl --fail-with-body --silent --show-error --max-time 10 \
  -H @- -H 'Content-Type: application/json' --data "$transaction" "$api_url/v1/score")
jq -e '(.score | type == "number") and (.decision | type == "string")' <<<"$response" >/dev/null || {
  echo "::error::unexpected /v1/score response: $response"
  exit 1
}
echo "scored: $(jq -c '{score, decision}' <<<"$response")"
