import Foundation

/// Which job alerts a fleet alert folds: they open and show, but only the fleet alert is notified.
///
/// The rules' own `FleetRule.foldsIntoFleet(_:fleetAlert:)` has the same meaning; when it lands, `folds` should
/// call it instead of deciding here.
public enum FleetFolding {
    /// How long before the fleet alert a job alert may have opened and still be folded into it (design section 5).
    public static let window: TimeInterval = 15 * 60

    /// Whether `alert` is folded into `fleetAlert`: a failed or delayed job alert opened within the window before
    /// the fleet alert opened, or after it while it was open.
    public static func folds(_ alert: Alert, into fleetAlert: Alert) -> Bool {
        guard fleetAlert.kind == .fleet, alert.jobID != nil, alert.kind == .failed || alert.kind == .delayed else {
            return false
        }
        if alert.openedAt < fleetAlert.openedAt.addingTimeInterval(-window) { return false }
        if let resolvedAt = fleetAlert.resolvedAt, alert.openedAt >= resolvedAt { return false }
        return true
    }
}
