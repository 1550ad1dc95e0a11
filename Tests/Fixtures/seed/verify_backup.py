def verify_backup(backup_path, expected_hash=None):
    # Calculate actual hash
    actual_hash = calculate_sha256(backup_path)
    
    # Send verification result
    requests.post(HEARTBEAT_URL, json={
        "status": "verified",
        "hash": actual_hash,
        "matches_expected": actual_hash == expected_hash,
        "backup_path": backup_path
    })
