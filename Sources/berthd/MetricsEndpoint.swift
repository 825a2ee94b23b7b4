import BerthCRI
import NIOCore
import NIOHTTP1
import NIOPosix

/// The Prometheus endpoint (`berthd.metrics_listen`): `GET /metrics` answers the engine's
/// metrics in the text format; anything else is 404. HTTP/1.1 with keep-alive, on loopback
/// only (the configuration refuses other addresses).
enum MetricsEndpoint {
  /// The bound listening socket, ready to serve.
  typealias Listener = NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>

  /// Binds the endpoint (before berthd serves CRI, so a port in use fails the start).
  static func bind(host: String, port: Int) async throws -> Listener {
    try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .bind(host: host, port: port) { channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.configureHTTPServerPipeline()
          return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(wrappingChannelSynchronously: channel)
        }
      }
  }

  /// Serves until the task is cancelled.
  static func serve(_ listener: Listener, engine: Engine) async throws {
    try await withThrowingDiscardingTaskGroup { group in
      try await listener.executeThenClose { connections in
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
