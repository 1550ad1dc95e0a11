import Foundation

/// The frozen JSON form of `AlertSettings` in `jobs.alerting` (in every store), independent of the type's own Codable
/// conformance so that changing the domain type never makes stored rows unreadable. Missing fields
/// take the defaults.
package struct StoredAlertSettings: Codable {
    var sizeAnomalyFactor: Double?
    var durationAnomalyHigh: Double?
    var durationAnomalyLow: Double?
    var anomalyWindow: Int?
    var anomalyMinRuns: Int?
    var delayedEscalationPeriods: Int?
    var flakyRuns: Int?
    var flakyWindow: Int?
    var restoreEscalationPeriods: Int?
    var severities: [String: String]?

    package init(_ settings: AlertSettings) {
        sizeAnomalyFactor = settings.sizeAnomalyFactor
        durationAnomalyHigh = settings.durationAnomalyHigh
        durationAnomalyLow = settings.durationAnomalyLow
        anomalyWindow = settings.anomalyWindow
        anomalyMinRuns = settings.anomalyMinRuns
        delayedEscalationPeriods = settings.delayedEscalationPeriods
        flakyRuns = settings.flakyRuns
        flakyWindow = settings.flakyWindow
        restoreEscalationPeriods = settings.restoreEscalationPeriods
        severities = Dictionary(uniqueKeysWithValues: settings.severities.map { ($0.key.rawValue, $0.value.rawValue) })
    }

    package var settings: AlertSettings {
        let defaults = AlertSettings()
        var parsed: [AlertKind: AlertSeverity] = [:]
        for (kind, severity) in severities ?? [:] {
            if let kind = AlertKind(rawValue: kind), let severity = AlertSeverity(rawValue: severity) {
                parsed[kind] = severity
            }
        }
        return AlertSettings(
            sizeAnomalyFactor: sizeAnomalyFactor ?? defaults.sizeAnomalyFactor,
            durationAnomalyHigh: durationAnomalyHigh ?? defaults.durationAnomalyHigh,
            durationAnomalyLow: durationAnomalyLow ?? defaults.durationAnomalyLow,
            anomalyWindow: anomalyWindow ?? defaults.anomalyWindow,
            anomalyMinRuns: anomalyMinRuns ?? defaults.anomalyMinRuns,
            delayedEscalationPeriods: delayedEscalationPeriods ?? defaults.delayedEscalationPeriods,
            flakyRuns: flakyRuns ?? defaults.flakyRuns, flakyWindow: flakyWindow ?? defaults.flakyWindow,
            restoreEscalationPeriods: restoreEscalationPeriods ?? defaults.restoreEscalationPeriods, severities: parsed)
    }

    package var json: String { JSONText.encode(self) }
}
