#!/bin/bash
HEARTBEAT_URL="https://your-domain.com/heartbeat/pg_backup_xyz"

# Start
curl -X POST "$HEARTBEAT_URL" -d '{"status":"started","database":"production"}'

# Backup
if pg_dump -Fc production > prod_backup.dump; then
  SIZE=$(stat -f%z prod_backup.dump)
  curl -X POST "$HEARTBEAT_URL" -d "{\"status\":\"completed\",\"size\":$SIZE}"
else
  curl -X POST "$HEARTBEAT_URL" -d '{"status":"failed","error":"pg_dump failed"}'
fi
