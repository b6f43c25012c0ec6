#!/bin/sh
# Entrypoint of ccbox agent containers. In isolated mode the session monitor runs first (it links
# the workspace's project folder to the host before the agent can write), then the agent command.
set -e
if [ "${CCBOX_MODE:-isolated}" = "isolated" ] && [ -f /opt/ccorc/dist/src/daemon/session-monitor.js ]; then
  node /opt/ccorc/dist/src/daemon/session-monitor.js --background --wait-ready
fi
exec "$@"
