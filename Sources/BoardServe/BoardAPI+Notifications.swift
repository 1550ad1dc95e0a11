import BoardModel
import BoardWire
import Foundation

extension BoardAPI {
    /// `POST /api/v1/notifications/test/CHANNEL`: enqueues a `test` event for the channel, lets `serve`'s outbox
    /// worker deliver it as any notification, and answers what came of it within 30 s (`notify test --server`).
    func testNotification(channel name: String, _ request: APIRequest) async throws -> APIReply {
        guard let notifications else { throw Failure(status: 404, message: "notifications are not configured in this serve") }
        guard let channel = notifications.channels[name] else {
            let names = notifications.channels.keys.sorted()
            throw Failure(
                status: 404,
                message: "no channel '\(name)' in serve's config" + (names.isEmpty ? " (it defines none)" : " (channels: \(names.joined(separator: ", ")))"))
        }
        logger.notice("api: test notification to \(name) from \(request.client ?? "?")")
        let test = NotificationTest(store: notifications.outbox, channel: channel, receipts: notifications.receipts)
        let document = switch try await test.run(now: clock) {
        case .delivered(let receipt):
            NotificationTestDocument(channel: name, delivered: true, status: receipt.status, answer: receipt.answer)
        case .failed(let error):
            NotificationTestDocument(channel: name, delivered: false, error: error)
        }
        return try Self.json(document, tag: nil)
    }
}
