#!/bin/bash
HEARTBEAT_URL="https://your-domain.com/heartbeat/mysql_backup_xyz"

# Start
curl -X POST "$HEARTBEAT_URL" -d '{"status":"started","database":"app_db"}'

# Backup with progress
mysqldump app_db | gzip > app_backup.sql.gz

if [ $? -eq 0 ]; then
  SIZE=$(stat -f%z app_backup.sql.gz)
  curl -X POST "$HEARTBEAT_URL" -d "{\"status\":\"completed\",\"size\":$SIZE,\"compressed\":true}"
else
  curl -X POST "$HEARTBEAT_URL" -d '{"status":"failed","error":"mysqldump failed"}'
fi
