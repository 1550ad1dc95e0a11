import Hummingbird
import NIOCore

/// The request context of `serve`: Hummingbird's core storage plus the connection, whose peer address
/// is the heartbeat's source and whose input is closed when a body passes the read limit.
struct IngestRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The TCP peer (a proxy, when one is in front).
    let peerAddress: String?
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        channel = source.channel
        peerAddress = source.channel.remoteAddress?.ipAddress
    }

    /// Ingest streams bodies itself (`BodyCollector`); nothing collects a whole body beyond this.
    var maxUploadSize: Int { BodyCollector.readLimit }
}
