#!/bin/sh
# Entrypoint of ccbox agent containers. In isolated mode the session monitor (with its keeper) runs
# first: it links the workspace's project folder to the host before the agent can write. The agent
# then runs as a child, not exec'd, so that when it ends the monitor makes a last pass before the
# container stops: an agent that writes and exits at once (ccdk run) loses nothing on the host.
set -e
MONITOR=/opt/ccorc/dist/src/daemon/session-monitor.js
if [ "${CCBOX_MODE:-isolated}" != "isolated" ] || [ ! -f "$MONITOR" ]; then
  exec "$@"
fi
node "$MONITOR" --background
set +e
# An asynchronous command's standard input would be /dev/null: hand it the terminal through fd 3.
exec 3<&0
"$@" <&3 3<&- &
agent=$!
exec 3<&-
# docker stop's SIGTERM (and a hang-up) go on to the agent. Ctrl-C reaches the agent from its terminal
# directly (same process group): here it is caught and dropped, so the agent decides what it means.
trap 'kill -TERM "$agent" 2>/dev/null' TERM
trap 'kill -HUP "$agent" 2>/dev/null' HUP
trap ':' INT
wait "$agent"
code=$?
# A trapped signal ends the wait early; wait again until the agent itself has ended.
while kill -0 "$agent" 2>/dev/null; do
  wait "$agent"
  code=$?
done
node "$MONITOR" --stop
exit "$code"
