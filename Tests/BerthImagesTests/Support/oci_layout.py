#!/usr/bin/env python3
"""Builds small OCI image layouts for BerthImagesTests, to be pushed with skopeo.

  oci_layout.py layered DIR TAG [--payload N]
      one linux/amd64 image with three layers: tar, tar+gzip and tar+zstd (the zstd CLI
      compresses). The top layer whites out a file of the bottom one.
  oci_layout.py multiarch DIR TAG
      an image index of linux/amd64, linux/arm64/v8 and linux/arm/v7 images, each with its
      own config and one tiny gzip layer.

Prints a JSON description of what it wrote (digests, sizes, diff ids) on stdout.
Everything is deterministic: fixed mtimes, owners and pseudo-random payload bytes.
"""
import argparse
import gzip
import hashlib
import io
import json
import os
import random
import subprocess
import sys
import tarfile

TAR = "application/vnd.oci.image.layer.v1.tar"
TAR_GZIP = TAR + "+gzip"
TAR_ZSTD = TAR + "+zstd"
MANIFEST = "application/vnd.oci.image.manifest.v1+json"
INDEX = "application/vnd.oci.image.index.v1+json"
CONFIG = "application/vnd.oci.image.config.v1+json"
MTIME = 1_700_000_000


def digest(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Layout:
    """An OCI layout directory: blobs by digest, index.json, oci-layout."""

    def __init__(self, root):
        self.root = root
        os.makedirs(os.path.join(root, "blobs", "sha256"), exist_ok=True)
        with open(os.path.join(root, "oci-layout"), "w") as f:
            json.dump({"imageLayoutVersion": "1.0.0"}, f)

    def blob(self, data, media_type):
        d = digest(data)
        with open(os.path.join(self.root, "blobs", "sha256", d[7:]), "wb") as f:
            f.write(data)
        return {"mediaType": media_type, "digest": d, "size": len(data)}

    def json_blob(self, value, media_type):
        return self.blob(json.dumps(value, separators=(",", ":"), sort_keys=True).encode(), media_type)

    def tag(self, descriptor, tag):
        entry = dict(descriptor, annotations={"org.opencontainers.image.ref.name": tag})
        with open(os.path.join(self.root, "index.json"), "w") as f:
            json.dump({"schemaVersion": 2, "manifests": [entry]}, f)


def tar(entries):
    """entries: (path, content) pairs; content None makes a directory."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for path, content in entries:
            info = tarfile.TarInfo(path)
            info.mtime, info.uid, info.gid, info.uname, info.gname = MTIME, 0, 0, "root", "root"
            if content is None:
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                archive.addfile(info)
            else:
                info.size, info.mode = len(content), 0o644
                archive.addfile(info, io.BytesIO(content))
    return out.getvalue()


def compress(data, media_type):
    if media_type == TAR_GZIP:
        return gzip.compress(data, mtime=0)
    if media_type == TAR_ZSTD:
        return subprocess.run(["zstd", "-q", "-c", "-3"], input=data, check=True, capture_output=True).stdout
    return data


def image(layout, platform, layers):
    """Writes the layers, config and manifest of one image; returns its description."""
    os_name, arch, *variant = platform.split("/")
    described, diff_ids, descriptors = [], [], []
    for media_type, entries in layers:
        raw = tar(entries)
        descriptor = layout.blob(compress(raw, media_type), media_type)
        descriptors.append(descriptor)
        diff_ids.append(digest(raw))
        described.append(dict(descriptor, diffID=digest(raw)))
    config = {
        "architecture": arch, "os": os_name, "created": "2026-01-01T00:00:00Z",
        "config": {"Env": ["PATH=/bin"], "Cmd": ["/bin/sh"], "Labels": {"platform": platform}},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created": "2026-01-01T00:00:00Z", "created_by": "oci_layout.py"} for _ in layers],
    }
    if variant:
        config["variant"] = variant[0]
    config_descriptor = layout.json_blob(config, CONFIG)
    manifest = layout.json_blob(
        {"schemaVersion": 2, "mediaType": MANIFEST, "config": config_descriptor, "layers": descriptors}, MANIFEST)
    result = {"platform": platform, "manifest": manifest, "config": config_descriptor["digest"], "layers": described}
    return result


def payload(size):
    return random.Random(42).randbytes(size)


def layered(args):
    layout = Layout(args.dir)
    bottom = [("etc", None), ("etc/base.txt", b"base\n"), ("etc/gone.txt", b"deleted by the top layer\n"),
              ("bin", None), ("bin/payload", payload(args.payload))]
    middle = [("etc", None), ("etc/base.txt", b"base v2\n"), ("etc/middle.txt", b"middle\n")]
    top = [("etc", None), ("etc/.wh.gone.txt", b""), ("etc/top.txt", b"top\n")]
    described = image(layout, "linux/amd64", [(TAR, bottom), (TAR_GZIP, middle), (TAR_ZSTD, top)])
    layout.tag(described["manifest"], args.tag)
    return {"top": described["manifest"], "images": [described]}


def multiarch(args):
    layout = Layout(args.dir)
    images = []
    for platform in ["linux/amd64", "linux/arm64/v8", "linux/arm/v7"]:
        layer = [("etc", None), ("etc/arch", platform.encode() + b"\n")]
        images.append(image(layout, platform, [(TAR_GZIP, layer)]))
    entries = []
    for described in images:
        os_name, arch, *variant = described["platform"].split("/")
        entry = dict(described["manifest"], platform={"os": os_name, "architecture": arch})
        if variant:
            entry["platform"]["variant"] = variant[0]
        entries.append(entry)
    index = layout.json_blob({"schemaVersion": 2, "mediaType": INDEX, "manifests": entries}, INDEX)
    layout.tag(index, args.tag)
    return {"top": index, "images": images}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    one = sub.add_parser("layered")
    one.add_argument("dir")
    one.add_argument("tag")
    one.add_argument("--payload", type=int, default=64 * 1024)
    many = sub.add_parser("multiarch")
    many.add_argument("dir")
    many.add_argument("tag")
    args = parser.parse_args()
    result = layered(args) if args.command == "layered" else multiarch(args)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
