import requests
import time
import subprocess

# Heartbeat URL from your OneUptime incoming request monitor
HEARTBEAT_URL = "https://your-domain.com/heartbeat/db_backup_abc123"

def send_heartbeat(status, **kwargs):
    """Send a heartbeat signal to OneUptime with status and metadata."""
    # Build payload with status, timestamp, and any additional fields
    payload = {"status": status, "timestamp": int(time.time()), **kwargs}
    try:
        # Timeout ensures backup script doesn't hang on network issues
        response = requests.post(HEARTBEAT_URL, json=payload, timeout=10)
        return response.status_code == 200
    except Exception as e:
        # Log but don't fail the backup if heartbeat fails
        print(f"Failed to send heartbeat: {e}")
        return False

# Notify OneUptime that backup is starting
send_heartbeat("started")

try:
    start_time = time.time()

    # Execute pg_dump and capture output
    # check=True raises CalledProcessError if pg_dump fails
    result = subprocess.run(["pg_dump", "mydb"],
                          capture_output=True, text=True, check=True)

    # Calculate metrics for trend analysis
    duration = time.time() - start_time
    backup_size = len(result.stdout.encode('utf-8'))

    # Send success heartbeat with backup metrics
    send_heartbeat("completed", duration=duration, size=backup_size)

except subprocess.CalledProcessError as e:
    # Backup command failed - send failure heartbeat with error details
    send_heartbeat("failed", error=str(e), exit_code=e.returncode)
