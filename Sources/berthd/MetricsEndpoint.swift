import BerthCRI
import NIOCore
import NIOHTTP1
import NIOPosix

/// The Prometheus endpoint (`berthd.metrics_listen`): `GET /metrics` answers the engine's
/// metrics in the text format; anything else is 404. HTTP/1.1 with keep-alive, on loopback
/// only (the configuration refuses other addresses).
enum MetricsEndpoint {
  /// Serves until the task is cancelled.
  /// - Parameter address: `host:port`, `[::1]:port`
  static func serve(address: String, engine: Engine) async throws {
    guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else {
      throw DaemonError("berthd.metrics_listen: \"\(address)\" is not host:port")
    }
    let host = String(address[..<colon]).trimmingCharacters(in: ["[", "]"])
    let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .bind(host: host, port: port) { channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.configureHTTPServerPipeline()
          return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(wrappingChannelSynchronously: channel)
        }
      }
    print("berthd: serving metrics on http://\(address)/metrics")
    try await withThrowingDiscardingTaskGroup { group in
      try await server.executeThenClose { connections in
        for try await connection in connections {
          group.addTask { try? await answer(connection, engine: engine) }
        }
      }
    }
  }

  /// Answers every request of one connection.
  static func answer(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, engine: Engine) async throws {
    try await connection.executeThenClose { inbound, outbound in
      var head: HTTPRequestHead?
      for try await part in inbound {
        switch part {
        case .head(let request): head = request
        case .body: break
        case .end:
          guard let request = head else { continue }
          let found = request.method == .GET && (request.uri == "/metrics" || request.uri.hasPrefix("/metrics?"))
          let body = found ? await engine.metricsText() : Array("not found\n".utf8)
          var headers = HTTPHeaders()
          headers.add(name: "Content-Type", value: found ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain")
          headers.add(name: "Content-Length", value: String(body.count))
          try await outbound.write(.head(HTTPResponseHead(version: request.version, status: found ? .ok : .notFound, headers: headers)))
          try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body))))
          try await outbound.write(.end(nil))
          head = nil
        }
      }
    }
  }
}

extension String {
  /// Without the given leading and trailing characters.
  fileprivate func trimmingCharacters(in set: Set<Character>) -> String {
    var text = Substring(self)
    while let first = text.first, set.contains(first) { text.removeFirst() }
    while let last = text.last, set.contains(last) { text.removeLast() }
    return String(text)
  }
}
