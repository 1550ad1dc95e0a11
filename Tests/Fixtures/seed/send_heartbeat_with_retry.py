def send_heartbeat_with_retry(status, max_retries=3, **kwargs):
    for attempt in range(max_retries):
        try:
            response = requests.post(HEARTBEAT_URL, json={"status": status, **kwargs}, timeout=10)
            if response.status_code == 200:
                return True
        except Exception as e:
            if attempt == max_retries - 1:
                print(f"Failed to send heartbeat after {max_retries} attempts: {e}")
            else:
                time.sleep(2 ** attempt)  # Exponential backoff
    return False
