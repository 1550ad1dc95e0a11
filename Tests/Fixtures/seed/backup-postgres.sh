#!/bin/bash
# backup-postgres.sh - PostgreSQL backup with OneUptime monitoring

# Your unique heartbeat URL from the OneUptime monitor
HEARTBEAT_URL="https://your-domain.com/heartbeat/db_backup_abc123"

# Capture start time for duration calculation
BACKUP_START=$(date +%s)

# Send start heartbeat - lets OneUptime know backup has begun
curl -X POST "$HEARTBEAT_URL" \
  -H "Content-Type: application/json" \
  -d "{\"status\":\"started\",\"timestamp\":\"$BACKUP_START\"}"

# Perform the actual database backup
# pg_dump exports the database to a SQL file
if pg_dump mydb > backup.sql; then
  # Backup succeeded - calculate metrics and send success heartbeat
  BACKUP_END=$(date +%s)
  DURATION=$((BACKUP_END - BACKUP_START))

  # Include duration and file size for tracking trends
  curl -X POST "$HEARTBEAT_URL" \
    -H "Content-Type: application/json" \
    -d "{\"status\":\"completed\",\"duration\":$DURATION,\"size\":$(stat -f%z backup.sql)}"
else
  # Backup failed - send failure heartbeat to trigger alert
  curl -X POST "$HEARTBEAT_URL" \
    -H "Content-Type: application/json" \
    -d "{\"status\":\"failed\",\"error\":\"pg_dump failed\",\"timestamp\":\"$(date +%s)\"}"
fi
