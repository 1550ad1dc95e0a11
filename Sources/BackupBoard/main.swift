print("backupboard")
