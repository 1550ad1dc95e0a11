import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// A small SMTP client: EHLO, STARTTLS when configured (then EHLO again), AUTH PLAIN when a user is configured,
/// MAIL, RCPT, DATA, QUIT — one message per connection, which is plenty for notifications.
struct SMTPClient: Sendable {
    let settings: SMTPSettings
    let timeout: TimeInterval

    /// Sends `message`; a 4xx reply or a lost connection is temporary, a 5xx reply permanent.
    func send(_ message: EmailMessage) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.converse(message) }
            group.addTask {
                try await Task.sleep(for: .seconds(timeout))
                throw DeliveryError.temporary("email: \(settings.host):\(settings.port) did not finish within \(Int(timeout)) s")
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    private func converse(_ message: EmailMessage) async throws {
        do {
            try await exchange(message)
        } catch let error as DeliveryError {
            throw error
        } catch {
            // TLS handshake failures and connection resets surface from the channel.
            throw DeliveryError.temporary("email: \(settings.host):\(settings.port): \(error)")
        }
    }

    private func exchange(_ message: EmailMessage) async throws {
        let server = "\(settings.host):\(settings.port)"
        let channel: NIOAsyncChannel<String, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(Int64(max(timeout, 1))))
                .connect(host: settings.host, port: settings.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPLineDecoder()))
                        return try NIOAsyncChannel<String, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw DeliveryError.temporary("email: cannot connect to \(server): \(error)")
        }
        let underlying = channel.channel
        try await channel.executeThenClose { inbound, outbound in
            var lines = inbound.makeAsyncIterator()
            func expect(_ codes: Set<Int>, after command: String) async throws {
                var reply: [String] = []
                while true {
                    guard let line = try await lines.next() else {
                        throw DeliveryError.temporary("email: \(server) closed the connection after \(command)")
                    }
                    reply.append(line)
                    // "250-…" continues a reply, "250 …" ends it.
                    if line.count < 4 || line[line.index(line.startIndex, offsetBy: 3)] != "-" { break }
                }
                let code = Int(reply.last?.prefix(3) ?? "") ?? 0
                guard codes.contains(code) else {
                    let text = "email: \(server) answered \(command) with \(reply.joined(separator: " / "))"
                    throw code >= 500 ? DeliveryError.permanent(text) : DeliveryError.temporary(text)
                }
            }
            func say(_ line: String, expecting codes: Set<Int>, shown: String? = nil) async throws {
                try await outbound.write(ByteBuffer(string: line + "\r\n"))
                try await expect(codes, after: shown ?? String(line.prefix { $0 != ":" && $0 != " " }))
            }
            try await expect([220], after: "connecting")
            try await say("EHLO backupboard", expecting: [250])
            if settings.startTLS {
                try await say("STARTTLS", expecting: [220])
                try await startTLS(on: underlying)
                try await say("EHLO backupboard", expecting: [250], shown: "EHLO after STARTTLS")
            }
            if let username = settings.username {
                let credentials = Data(("\0" + username + "\0" + (settings.password ?? "")).utf8).base64EncodedString()
                try await say("AUTH PLAIN \(credentials)", expecting: [235], shown: "AUTH PLAIN")
            }
            try await say("MAIL FROM:<\(message.from)>", expecting: [250])
            for recipient in message.to {
                try await say("RCPT TO:<\(recipient)>", expecting: [250, 251])
            }
            try await say("DATA", expecting: [354])
            try await say(message.data + "\r\n.", expecting: [250], shown: "the message")
            try? await outbound.write(ByteBuffer(string: "QUIT\r\n"))
        }
    }

    /// Puts TLS under the conversation: the handler goes first in the pipeline, next to the socket, and the
    /// handshake starts at once; the next command waits for it. The server's certificate is checked against the
    /// system's roots, or `tls_ca_file`, and its name (or, for an IP address, its address).
    private func startTLS(on channel: any Channel) async throws {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let caFile = settings.caFile {
            configuration.trustRoots = .file(caFile)
        }
        do {
            let context = try NIOSSLContext(configuration: configuration)
            let isAddress = settings.host.contains(":") || settings.host.split(separator: ".").allSatisfy { Int($0) != nil }
            let hostname = isAddress ? nil : settings.host
            // The handler is not Sendable: it is made and added on the channel's event loop.
            try await channel.eventLoop.submit {
                let handler = try NIOSSLClientHandler(context: context, serverHostname: hostname)
                try channel.pipeline.syncOperations.addHandler(handler, position: .first)
            }.get()
        } catch {
            throw DeliveryError.permanent("email: cannot start TLS with \(settings.host):\(settings.port): \(error)")
        }
    }
}

/// Splits the server's replies into lines, without their CRLF.
private struct SMTPLineDecoder: ByteToMessageDecoder {
    typealias InboundOut = String

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > 64 * 1024 { throw DeliveryError.temporary("email: a reply line longer than 64 KB") }
            return .needMoreData
        }
        let length = newline - buffer.readerIndex + 1
        guard var line = buffer.readString(length: length) else { return .needMoreData }
        while line.last == "\n" || line.last == "\r" { line.removeLast() }
        context.fireChannelRead(wrapInboundOut(line))
        return .continue
    }
}
