#!/bin/sh
# The periodic commands for container deployments (compose's `scheduler` service), doing
# what the systemd timers in deploy/systemd do on a host: the reminder scan every 15
# minutes, then once a day, at or after ACUCARE_BACKUP_AT (UTC, HHMM, default 0230), the
# backup and the audit-chain check. Each command only queues a job; the worker runs it.
# A restart forgets the day's run and queues the daily jobs again: harmless, both are
# keyed by the UTC date, so a day still gets one backup and one audit check.
# ACUCARE_SCHEDULE_ONCE=1 runs one pass and exits (the tests use it).
set -u
daily_at="${ACUCARE_BACKUP_AT:-0230}"
case "$daily_at" in
  [0-2][0-9][0-5][0-9]) ;;
  *) echo "ACUCARE_BACKUP_AT must be HHMM (UTC), e.g. 0230; got '$daily_at'" >&2; exit 2 ;;
esac
last_daily=""
while :; do
  python manage.py reminders_scan --enqueue || echo "reminder scan failed (exit $?)" >&2
  today="$(date -u +%F)"
  if [ "$today" != "$last_daily" ] && [ "$(date -u +%H%M)" -ge "$daily_at" ]; then
    if python manage.py backup --enqueue && python manage.py audit_verify --enqueue; then
      last_daily="$today"
    else
      echo "daily backup or audit check could not be queued; retrying next pass" >&2
    fi
  fi
  [ "${ACUCARE_SCHEDULE_ONCE:-0}" = "1" ] && exit 0
  sleep 900
done
