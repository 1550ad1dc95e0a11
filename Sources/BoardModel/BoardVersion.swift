/// BackupBoard's version: `backupboard --version`, and the `User-Agent` its clients send.
public enum BoardVersion {
    public static let current = "0.1.0"
}
