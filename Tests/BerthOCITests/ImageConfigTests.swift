import BerthError
import BerthOCI
import Testing

/// Image configs as `docker build` (with its legacy fields) and buildkit write them.
@Suite struct ImageConfigTests {
  static let dockerConfig = #"""
    {
      "architecture": "amd64",
      "config": {
        "Hostname": "",
        "Domainname": "",
        "User": "",
        "AttachStdin": false,
        "AttachStdout": false,
        "AttachStderr": false,
        "ExposedPorts": { "80/tcp": {} },
        "Tty": false,
        "OpenStdin": false,
        "StdinOnce": false,
        "Env": [
          "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
          "NGINX_VERSION=1.25.3",
          "NJS_VERSION=0.8.2",
          "PKG_RELEASE=1~bookworm"
        ],
        "Cmd": ["nginx", "-g", "daemon off;"],
        "Image": "sha256:4953ac3840c6a9990d79327acb520e354f7e920b5b5919e34f8141160d9f7310",
        "Volumes": null,
        "WorkingDir": "",
        "Entrypoint": ["/docker-entrypoint.sh"],
        "OnBuild": null,
        "Labels": { "maintainer": "NGINX Docker Maintainers <docker-maint@nginx.com>" },
        "StopSignal": "SIGQUIT"
      },
      "container": "0aa6a7b1a1ac6a7ec9d3d01ef1ee5b4d3c2e1a8a5c4f4f0d1b2e3f4a5b6c7d8e",
      "container_config": {
        "Hostname": "0aa6a7b1a1ac",
        "Cmd": ["/bin/sh", "-c", "#(nop) ", "CMD [\"nginx\" \"-g\" \"daemon off;\"]"]
      },
      "created": "2023-11-01T04:48:32.829488012Z",
      "docker_version": "20.10.23",
      "history": [
        {
          "created": "2023-11-01T00:20:48.245187376Z",
          "created_by": "/bin/sh -c #(nop) ADD file:9deb26e1dbc258df4eb5ea4fd4d54d5c2b4d0b1c7d7c5a8c6e6d7b5e8d1c8f2a in / "
        },
        {
          "created": "2023-11-01T00:20:48.624124513Z",
          "created_by": "/bin/sh -c #(nop)  CMD [\"bash\"]",
          "empty_layer": true
        },
        {
          "created": "2023-11-01T04:48:11.232171521Z",
          "created_by": "/bin/sh -c #(nop)  LABEL maintainer=NGINX Docker Maintainers <docker-maint@nginx.com>",
          "empty_layer": true
        },
        {
          "created": "2023-11-01T04:48:31.929513853Z",
          "created_by": "/bin/sh -c set -x     && groupadd --system --gid 101 nginx     && useradd --system --gid nginx nginx"
        },
        {
          "created": "2023-11-01T04:48:32.829488012Z",
          "created_by": "/bin/sh -c #(nop)  STOPSIGNAL SIGQUIT",
          "empty_layer": true
        }
      ],
      "os": "linux",
      "rootfs": {
        "type": "layers",
        "diff_ids": [
          "sha256:9c2d23e19461b7572e988d0384687c6fc974955847827a7be7be04eb56d4eb9a",
          "sha256:3adb82e684c3db50070f1a9d7954c64d34909fbea72d5be7706391ea11502f43"
        ]
      }
    }
    """#

  static let buildkitConfig = #"""
    {
      "architecture": "arm64",
      "variant": "v8",
      "os": "linux",
      "author": "Berth maintainers",
      "created": "2024-05-02T10:11:12Z",
      "config": {
        "User": "postgres:postgres",
        "ExposedPorts": { "5432/tcp": {}, "5433/udp": {} },
        "Env": ["PGDATA=/var/lib/postgresql/data", "LANG=en_US.utf8"],
        "Entrypoint": ["docker-entrypoint.sh"],
        "Cmd": ["postgres"],
        "Volumes": { "/var/lib/postgresql/data": {} },
        "WorkingDir": "/",
        "Labels": { "org.opencontainers.image.source": "https://example.com/pg" },
        "StopSignal": "SIGINT",
        "ArgsEscaped": true
      },
      "rootfs": {
        "type": "layers",
        "diff_ids": ["sha256:f24377816c712725b9434f7499524d304ce89e5da6bd00687bdfd9ba8a244758"]
      },
      "history": [
        {
          "created": "2024-05-02T10:11:12Z",
          "created_by": "RUN /bin/sh -c apt-get update # buildkit",
          "comment": "buildkit.dockerfile.v0",
          "author": "Berth maintainers"
        },
        {
          "created": "2024-05-02T10:11:12Z",
          "created_by": "VOLUME [/var/lib/postgresql/data]",
          "comment": "buildkit.dockerfile.v0",
          "empty_layer": true
        }
      ]
    }
    """#

  @Test func dockerBuildConfig() throws {
    let image = try JSON.decode(ImageConfig.self, from: Array(Self.dockerConfig.utf8))
    #expect(image.architecture == "amd64" && image.os == "linux" && image.variant == nil)
    #expect(image.platform == Platform(architecture: "amd64", os: "linux"))
    #expect(image.created == "2023-11-01T04:48:32.829488012Z")
    let config = try #require(image.config)
    #expect(config.user == "")
    #expect(config.exposedPorts == ["80/tcp": EmptyObject()])
    #expect(config.env?.count == 4)
    #expect(config.entrypoint == ["/docker-entrypoint.sh"])
    #expect(config.cmd == ["nginx", "-g", "daemon off;"])
    #expect(config.volumes == nil)  // null in the document
    #expect(config.workingDir == "")
    #expect(config.labels == ["maintainer": "NGINX Docker Maintainers <docker-maint@nginx.com>"])
    #expect(config.stopSignal == "SIGQUIT")
    #expect(image.rootfs.type == "layers")
    #expect(image.rootfs.diffIDs.map(\.encoded.count) == [64, 64])
    let history = try #require(image.history)
    #expect(history.count == 5)
    #expect(history[1].createdBy == #"/bin/sh -c #(nop)  CMD ["bash"]"#)
    // One layer per history entry that is not empty.
    #expect(history.filter { $0.emptyLayer != true }.count == image.rootfs.diffIDs.count)
    try ImageSamplesTests.roundTrips(image)
  }

  @Test func buildkitConfig() throws {
    let image = try JSON.decode(ImageConfig.self, from: Array(Self.buildkitConfig.utf8))
    #expect(image.platform.description == "linux/arm64/v8")
    #expect(image.author == "Berth maintainers")
    let config = try #require(image.config)
    #expect(config.user == "postgres:postgres")
    #expect(config.exposedPorts?.keys.sorted() == ["5432/tcp", "5433/udp"])
    #expect(config.volumes?.keys.sorted() == ["/var/lib/postgresql/data"])
    #expect(config.workingDir == "/")
    #expect(config.stopSignal == "SIGINT")
    #expect(image.history?[0].comment == "buildkit.dockerfile.v0")
    #expect(image.history?[1].emptyLayer == true)
    try ImageSamplesTests.roundTrips(image)
  }

  @Test func encodesSpecKeys() throws {
    let digest = try Digest.sha256(hex: "f24377816c712725b9434f7499524d304ce89e5da6bd00687bdfd9ba8a244758")
    let image = ImageConfig(
      architecture: "amd64", rootfs: .init(diffIDs: [digest]),
      config: .init(exposedPorts: ["80/tcp": EmptyObject()], cmd: ["sh"], volumes: ["/data": EmptyObject()]),
      history: [.init(createdBy: "COPY . /", emptyLayer: false)])
    #expect(
      try JSON.string(image)
        == #"{"architecture":"amd64","config":{"Cmd":["sh"],"ExposedPorts":{"80/tcp":{}},"Volumes":{"/data":{}}},"#
        + #""history":[{"created_by":"COPY . /","empty_layer":false}],"os":"linux","#
        + #""rootfs":{"diff_ids":["sha256:f24377816c712725b9434f7499524d304ce89e5da6bd00687bdfd9ba8a244758"],"type":"layers"}}"#)
  }

  @Test func emptyObjectMustBeAnObject() {
    let error = #expect(throws: BerthError.self) {
      try JSON.decode(ImageConfig.Config.self, from: Array(#"{"ExposedPorts":{"80/tcp":true}}"#.utf8))
    }
    #expect(error?.message.contains("expected an object") == true)
  }
}
