#!/bin/bash
HEARTBEAT_URL="https://your-domain.com/heartbeat/rsync_backup_xyz"

# Start
curl -X POST "$HEARTBEAT_URL" -d '{"status":"started","source":"/data","destination":"backup-server:/backups"}'

# Backup with progress monitoring
rsync -avz --stats /data/ backup-server:/backups/ > rsync.log 2>&1

if [ $? -eq 0 ]; then
  # Extract stats from rsync output
  TRANSFERRED=$(grep "sent" rsync.log | awk '{print $1}')
  SPEED=$(grep "bytes/sec" rsync.log | awk '{print $1}')
  curl -X POST "$HEARTBEAT_URL" -d "{\"status\":\"completed\",\"transferred\":\"$TRANSFERRED\",\"speed\":\"$SPEED\"}"
else
  curl -X POST "$HEARTBEAT_URL" -d '{"status":"failed","error":"rsync failed"}'
fi
