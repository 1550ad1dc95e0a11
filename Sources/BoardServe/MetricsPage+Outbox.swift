import BoardModel
import Foundation

extension MetricsPage {
    /// The outbox per channel: pending and given-up notifications, the oldest pending one's age, the last delivery.
    package static func render(outbox channels: [OutboxChannelHealth], at now: Date) -> String {
        var out = ""
        header(&out, "backupboard_outbox_pending", "gauge", "Notifications neither delivered nor given up, by channel.")
        for channel in channels {
            out += "backupboard_outbox_pending{channel=\"\(escape(channel.channel))\"} \(channel.pending)\n"
        }
        header(&out, "backupboard_outbox_failed", "gauge", "Notifications given up after their attempts, by channel.")
        for channel in channels {
            out += "backupboard_outbox_failed{channel=\"\(escape(channel.channel))\"} \(channel.failed)\n"
        }
        header(&out, "backupboard_outbox_oldest_pending_seconds", "gauge", "Age of the oldest pending notification, by channel.")
        for channel in channels {
            let age = channel.oldestPendingSince.map { now.timeIntervalSince($0) } ?? 0
            out += "backupboard_outbox_oldest_pending_seconds{channel=\"\(escape(channel.channel))\"} \(number(age))\n"
        }
        header(&out, "backupboard_outbox_last_delivery_timestamp_seconds", "gauge", "Time of the channel's latest delivery.")
        for channel in channels {
            if let delivered = channel.lastDeliveredAt {
                out += "backupboard_outbox_last_delivery_timestamp_seconds{channel=\"\(escape(channel.channel))\"} \(number(delivered.timeIntervalSince1970))\n"
            }
        }
        return out
    }
}
