#!/usr/bin/env bash
# as-broker-user.sh ROLE COMMAND...: runs COMMAND with LUUTRU_AMQP_URI set to ROLE's own
# RabbitMQ user, as set-up kept it in $LUUTRU_DATA/secrets/amqp/ROLE (mode 0600; see
# services/common/broker_users.py); without that file (a remote broker), with LUUTRU_AMQP_URI
# as given. The URI never appears on a command line.
set -euo pipefail
uri_file=${LUUTRU_DATA:-./var}/secrets/amqp/$1
shift
if [ -r "$uri_file" ]; then
  LUUTRU_AMQP_URI="$(<"$uri_file")"
  export LUUTRU_AMQP_URI
fi
exec "$@"
